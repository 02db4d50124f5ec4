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
    }

    public Meter Meter { get; }

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
    [LoggerMessage(1, LogLevel.Warning, "certificate of {Peer} passes only without X509Strict: error {Code} ({Reason}); strict mode would reject this peer", EventName = "StrictOnlyFailure")]
    public static partial void StrictOnlyFailure(ILogger logger, string peer, int code, string reason);

    [LoggerMessage(2, LogLevel.Warning, "certificate of {Peer} rejected: error {Code} {CodeText} ({Reason}); failing certificate: {FailingSubject}", EventName = "PeerRejected")]
    public static partial void PeerRejected(ILogger logger, string peer, int code, string codeText, string reason, string failingSubject);

    [LoggerMessage(3, LogLevel.Warning, "{Peer} presented no certificate although this context requires one", EventName = "PeerCertificateMissing")]
    public static partial void PeerCertificateMissing(ILogger logger, string peer);

    [LoggerMessage(4, LogLevel.Debug, "certificate of {Peer} verified: subject {Subject}, {PathLength} certificate(s) to the anchor", EventName = "PeerVerified")]
    public static partial void PeerVerified(ILogger logger, string peer, string subject, int pathLength);

    [LoggerMessage(5, LogLevel.Debug, "{Peer} sent its leaf certificate alone (a resumed session); verified again with the intermediates of its last full verification", EventName = "ResumedWithRememberedPath")]
    public static partial void ResumedWithRememberedPath(ILogger logger, string peer);

    /// <summary>Logs what the verification of a peer decided (nothing for an accepted peer above Debug).</summary>
    public static void Report(ILogger? logger, PeerVerification state, string peer)
    {
        if (logger is null)
        {
            return;
        }
        if (state.MissingCertificate)
        {
            PeerCertificateMissing(logger, peer);
        }
        else if (!state.Accepted && state.Result is { } r)
        {
            PeerRejected(logger, peer, (int)r.Code, r.CodeText, r.Message, FailingSubject(r));
        }
        else if (state.Accepted && state.Result is { IsValid: true } ok && logger.IsEnabled(LogLevel.Debug))
        {
            PeerVerified(logger, peer, ok.Path[0].Subject.ToString(), ok.Path.Count);
        }
    }

    /// <summary>The subject of the certificate at fault, or of the leaf when none is named.</summary>
    public static string FailingSubject(VerificationResult r)
        => r.FailingCertificate?.Subject.ToString() ?? (r.Path.Count > 0 ? r.Path[0].Subject.ToString() : "(unknown)");
}

/// <summary>
/// Per context and bounded: the intermediates of the last full verification of a peer's leaf, by the
/// leaf's exact DER, until the earliest notAfter on that path. A resumed TLS 1.3 session reaches the
/// validation callback with the leaf alone; verifying it again, in full, with these as untrusted
/// candidates accepts it when (and only when) the same path still validates now. Nothing is trusted
/// because it is remembered: the remembered certificates are candidates, never anchors.
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
