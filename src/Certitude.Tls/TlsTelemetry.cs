using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Certitude.Tls;

/// <summary>
/// The instruments of the <c>Certitude.Tls</c> meter (OpenTelemetry naming: dotted lower-case names,
/// UCUM units, <c>error.type</c> for the failure's code). One set per meter: the process-wide meter
/// when no <see cref="IMeterFactory"/> is given, or the factory's meter (cached per factory).
/// </summary>
internal sealed class TlsTelemetry
{
    /// <summary>The meter name, also the log category of <see cref="TlsContext"/>.</summary>
    public const string Name = "Certitude.Tls";

    /// <summary>The activity source of verifications (<c>Certitude</c>): one span per peer verification.</summary>
    public static readonly System.Diagnostics.ActivitySource Source = new("Certitude");

    private static readonly Lazy<TlsTelemetry> Shared = new(() => new TlsTelemetry(new Meter(Name)));
    private static readonly ConditionalWeakTableCache ByFactory = new();

    private TlsTelemetry(Meter meter)
    {
        Meter = meter;
        Verifications = meter.CreateCounter<long>("certitude.tls.verifications", "{verification}",
            "Peer certificate verifications, tagged with the outcome (accepted or rejected) and the purpose.");
        Failures = meter.CreateCounter<long>("certitude.tls.verification.failures", "{verification}",
            "Rejected peer certificates, tagged with error.type (the verify code's number) and its text.");
        StrictnessWarnings = meter.CreateCounter<long>("certitude.tls.strictness_warnings", "{verification}",
            "Peers accepted in Warn mode that pass only without X509Strict, tagged with error.type.");
        Duration = meter.CreateHistogram<double>("certitude.tls.verification.duration", "s",
            "Time spent verifying one peer certificate chain (parsing, path building and validation).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1] });
        Reloads = meter.CreateCounter<long>("certitude.tls.reloads", "{reload}",
            "Reloads of a context's trust anchors, CRLs and own certificate that took effect.");
        ReloadFailures = meter.CreateCounter<long>("certitude.tls.reload.failures", "{reload}",
            "Reloads that failed to load a file; the previous material stays in use.");
    }

    public Meter Meter { get; }

    public Counter<long> Reloads { get; }

    public Counter<long> ReloadFailures { get; }

    public Counter<long> Verifications { get; }

    public Counter<long> Failures { get; }

    public Counter<long> StrictnessWarnings { get; }

    public Histogram<double> Duration { get; }

    /// <summary>The instruments for a factory's meter, or the process-wide ones.</summary>
    public static TlsTelemetry For(IMeterFactory? factory) => factory is null ? Shared.Value : ByFactory.Get(factory);

    private sealed class ConditionalWeakTableCache
    {
        private readonly System.Runtime.CompilerServices.ConditionalWeakTable<IMeterFactory, TlsTelemetry> _table = new();

        public TlsTelemetry Get(IMeterFactory factory) => _table.GetValue(factory, f => new TlsTelemetry(f.Create(new MeterOptions(Name))));
    }
}

/// <summary>The named events of the <c>Certitude.Tls</c> log category.</summary>
internal static partial class TlsLog
{
    [LoggerMessage(1, LogLevel.Warning, "certificate of {Peer} passes only without X509Strict: error {Code} ({Reason}); strict mode would reject this peer; weakened: {Weakened}", EventName = "StrictOnlyFailure")]
    public static partial void StrictOnlyFailure(ILogger logger, string peer, int code, string reason, string weakened);

    [LoggerMessage(2, LogLevel.Warning, "certificate of {Peer} rejected: error {Code} {CodeText} ({Reason}); failing certificate: {FailingSubject}; weakened: {Weakened}", EventName = "PeerRejected")]
    public static partial void PeerRejected(ILogger logger, string peer, int code, string codeText, string reason, string failingSubject, string weakened);

    [LoggerMessage(3, LogLevel.Warning, "{Peer} presented no certificate although this context requires one; weakened: {Weakened}", EventName = "PeerCertificateMissing")]
    public static partial void PeerCertificateMissing(ILogger logger, string peer, string weakened);

    [LoggerMessage(4, LogLevel.Debug, "certificate of {Peer} verified: subject {Subject}, {PathLength} certificate(s) to the anchor; weakened: {Weakened}", EventName = "PeerVerified")]
    public static partial void PeerVerified(ILogger logger, string peer, string subject, int pathLength, string weakened);

    [LoggerMessage(5, LogLevel.Debug, "{Peer} resumed a TLS session (the platform reports the session as reused) and the platform gave its leaf alone; verified again in full with the intermediates of the session's original verification", EventName = "ResumedSession")]
    public static partial void ResumedSession(ILogger logger, string peer);

    [LoggerMessage(6, LogLevel.Warning, "this TlsContext (verifying {Side}) verifies less than Certitude's defaults: {Weakened}", EventName = "WeakenedContext")]
    public static partial void WeakenedContext(ILogger logger, string side, string weakened);

    [LoggerMessage(7, LogLevel.Information, "trust material reloaded (generation {Generation}): {AnchorCount} anchor(s), own certificate {Subject}; new connections use it", EventName = "Reloaded")]
    public static partial void Reloaded(ILogger logger, int generation, int anchorCount, string subject);

    [LoggerMessage(8, LogLevel.Error, "reloading trust material failed, the previous material stays in use: {Reason}", EventName = "ReloadFailed")]
    public static partial void ReloadFailed(ILogger logger, string reason);

    /// <summary>Logs what the verification of a peer decided (nothing for an accepted peer above Debug).</summary>
    public static void Report(ILogger? logger, PeerVerification state, string peer, string weakened)
    {
        if (logger is null)
        {
            return;
        }
        if (state.MissingCertificate)
        {
            PeerCertificateMissing(logger, peer, weakened);
        }
        else if (!state.Accepted && state.Result is { } r)
        {
            PeerRejected(logger, peer, (int)r.Code, r.CodeText, r.Message, FailingSubject(r), weakened);
        }
        else if (state.Accepted && state.Result is { IsValid: true } ok && logger.IsEnabled(LogLevel.Debug))
        {
            PeerVerified(logger, peer, ok.Path[0].Subject.ToString(), ok.Path.Count, weakened);
        }
    }

    /// <summary>The subject of the certificate at fault, or of the leaf when none is named.</summary>
    public static string FailingSubject(VerificationResult r)
        => r.FailingCertificate?.Subject.ToString() ?? (r.Path.Count > 0 ? r.Path[0].Subject.ToString() : "(unknown)");
}

/// <summary>
/// Per context and bounded: the intermediates of the last full verification of a peer's leaf, by the
/// leaf's exact DER, until the earliest notAfter on that path. A resumed TLS session reaches the
/// validation callback with the leaf alone; when the platform reports the session as resumed
/// (<see cref="SessionResumption"/>), the leaf is verified again, in full, with these as untrusted
/// candidates, so it is accepted when (and only when) the same path still validates now. They are never
/// used for a full handshake: a peer that sends its leaf alone on a fresh connection is verified with what
/// it sent, whatever connections came before. Nothing is trusted because it is remembered.
/// </summary>
internal sealed class RememberedPaths
{
    private const int MaxEntries = 4096;

    private readonly ConcurrentDictionary<byte[], (Certificate[] Intermediates, DateTimeOffset Until)> _byLeaf = new(Der.ByteSequenceComparer.Instance);

    public void Remember(VerificationResult valid)
    {
        if (valid.Path.Count < 3)
        {
            return; // leaf and anchor only: nothing a leaf-only resumption would lack
        }
        var lookup = _byLeaf.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (lookup.TryGetValue(valid.Path[0].RawData.Span, out var known) && known.Intermediates.Length == valid.Path.Count - 2)
        {
            return; // the usual case: this leaf again, a path of the same length already remembered (no allocation on the hot path)
        }
        var until = valid.Path.Min(c => c.NotAfter);
        if (_byLeaf.Count >= MaxEntries)
        {
            _byLeaf.Clear();
        }
        _byLeaf[valid.Path[0].RawData.ToArray()] = ([.. valid.Path.Skip(1).Take(valid.Path.Count - 2)], until);
    }

    public void Clear() => _byLeaf.Clear();

    public Certificate[]? Find(Certificate leaf)
    {
        var lookup = _byLeaf.GetAlternateLookup<ReadOnlySpan<byte>>();
        if (!lookup.TryGetValue(leaf.RawData.Span, out var entry))
        {
            return null;
        }
        if (entry.Until < DateTimeOffset.UtcNow)
        {
            lookup.TryRemove(leaf.RawData.Span, out _);
            return null;
        }
        return entry.Intermediates;
    }
}

/// <summary>For the DI provider: counts a failed rebuild on the meter of a factory.</summary>
internal static class TlsTelemetryAccess
{
    public static void CountReloadFailure(IMeterFactory? factory) => TlsTelemetry.For(factory).ReloadFailures.Add(1);
}
