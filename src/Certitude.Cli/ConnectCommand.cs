using System.CommandLine;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Certitude.Tls;

namespace Certitude.Cli;

/// <summary><c>certitude connect HOST[:PORT]</c>: a real TLS handshake through the TLS context, then the verification report.</summary>
internal static class ConnectCommand
{
    public static Command Build()
    {
        var target = new Argument<string>("HOST[:PORT]") { Description = "the server: HOST, HOST:PORT, [IPv6]:PORT or an https:// URL (port 443 by default)" };
        var servername = new Option<string?>("--servername") { Description = "the name to send as SNI and to check (default: HOST)" };
        var settings = new VerificationSettings();
        var noCheckHostname = new Option<bool>("--no-check-hostname") { Description = "do not match the certificate against the host name" };
        var warnStrict = new Option<bool>("--warn-strict") { Description = "accept strict-only failures and report them (migration aid)" };
        var minTls = new Option<string>("--min-tls") { Description = "1.2 or 1.3", DefaultValueFactory = _ => "1.2" };
        minTls.AcceptOnlyFromAmong("1.2", "1.3");
        var maxTls = new Option<string>("--max-tls") { Description = "1.2 or 1.3", DefaultValueFactory = _ => "1.3" };
        maxTls.AcceptOnlyFromAmong("1.2", "1.3");
        var cert = new Option<string?>("--cert") { Description = "client certificate (PEM: the leaf first, then the intermediates to send; the key too unless --key)" };
        var key = new Option<string?>("--key") { Description = "client private key (PEM; needs --cert)" };
        var timeout = new Option<double>("--timeout") { Description = "seconds for connect and handshake", DefaultValueFactory = _ => 10 };
        var json = new Option<bool>("--json") { Description = "print JSON (see docs/CLI.md)" };
        var chains = new IntermediateSettings();
        var cmd = new Command("connect", "Connect with TLS, verify the server with Certitude, and report.")
        {
            target, servername, noCheckHostname, warnStrict, minTls, maxTls, cert, key, timeout, json,
        };
        chains.AddTo(cmd);
        settings.AddTo(cmd);
        cmd.SetAction(p => Cli.Run(() =>
        {
            var (host, port) = Inputs.HostPort(p.GetValue(target)!);
            var name = p.GetValue(servername) ?? host;
            var seconds = p.GetValue(timeout);
            if (!(seconds > 0 && seconds <= 3600))
            {
                throw new CliException(Exit.Usage, $"--timeout {seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not a number of seconds from 0 to 3600 (exclusive of 0)");
            }
            if (p.GetValue(key) is not null && p.GetValue(cert) is null)
            {
                throw new CliException(Exit.Usage, "--key needs --cert (the client certificate the key belongs to)");
            }
            if (settings.CnFallback(p) && p.GetValue(noCheckHostname))
            {
                throw new CliException(Exit.Usage, "--cn-fallback changes how the host name is checked; --no-check-hostname does not check it");
            }
            // A TLS handshake verifies a server certificate now: the shared options' purpose and time are fixed here.
            if (settings.Purposes(p) is not [KeyPurposes.ServerAuth])
            {
                throw new CliException(Exit.Usage, "connect verifies a TLS server certificate: --purpose must be server (use verify for other purposes)");
            }
            if (settings.At(p) is not null)
            {
                throw new CliException(Exit.Usage, "connect verifies at the time of the handshake: --at applies to verify, audit and inspect");
            }
            var options = settings.Options(p);
            var ctx = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, settings.Trust.Load(p));
            ctx.Profile = options.Profile;
            ctx.VerifyFlags = options.Flags;
            if (p.GetValue(noCheckHostname))
            {
                ctx.CheckHostname = false;
            }
            ctx.HostnameChecksCommonName = settings.CnFallback(p);
            if (p.GetValue(warnStrict))
            {
                ctx.Strictness = Strictness.Warn;
            }
            var min = p.GetValue(minTls) == "1.3" ? TlsVersion.Tls13 : TlsVersion.Tls12;
            var max = p.GetValue(maxTls) == "1.2" ? TlsVersion.Tls12 : TlsVersion.Tls13;
            if (min > max)
            {
                throw new CliException(Exit.Usage, "--min-tls is above --max-tls");
            }
            ctx.MaximumVersion = max;
            ctx.MinimumVersion = min;
            chains.Apply(p, ctx);
            if (p.GetValue(cert) is { } certFile)
            {
                LoadClientCertificate(ctx, certFile, p.GetValue(key));
            }
            var report = Connect(ctx, host, port, name, TimeSpan.FromSeconds(seconds), p.GetValue(cert) is not null, awaitServerVerdict: true);
            if (report.Error is { } error)
            {
                Console.Error.WriteLine("certitude: " + error.Message);
            }
            if (p.GetValue(json))
            {
                Console.Out.WriteLine(Render.Json(report.Json));
            }
            else
            {
                Console.Out.Write(report.Text);
            }
            return report.ExitCode;
        }));
        return cmd;
    }

    /// <summary>The client certificate and key, or a one-line usage error: a missing, empty or unreadable file, no key,
    /// or a key that is not the certificate's.</summary>
    private static void LoadClientCertificate(TlsContext ctx, string certFile, string? keyFile)
    {
        foreach (var (option, file) in new[] { ("--cert", certFile), ("--key", keyFile) })
        {
            if (file is not null && Inputs.ReadFile(file, option == "--cert" ? "a PEM certificate file" : "a PEM private key file", option).Length == 0)
            {
                throw new CliException(Exit.Usage, $"{option} '{file}' is empty", "input");
            }
        }
        try
        {
            ctx.LoadCertChain(certFile, keyFile);
        }
        catch (ArgumentException)
        {
            throw new CliException(Exit.Usage, $"the private key in '{keyFile ?? certFile}' does not belong to the certificate in '{certFile}' (their public keys differ)", "input");
        }
        catch (TrustStoreException e)
        {
            throw new CliException(Exit.Usage, keyFile is null
                ? $"cannot use '{certFile}' as a client certificate: it needs a PEM certificate and its private key (or give the key with --key) ({Cli.OneLine(e.InnerException?.Message ?? e.Message)})"
                : $"cannot use '{certFile}' with key '{keyFile}' as a client certificate: {Cli.OneLine(e.InnerException?.Message ?? e.Message)}", "input");
        }
    }

    internal sealed record Report(int ExitCode, string Text, JsonObject Json, CliException? Error = null);

    /// <summary>TLS alerts (RFC 8446 6.2) with which a server refuses a client certificate, and what each says.</summary>
    private static readonly Dictionary<string, string> ClientCertificateAlerts = new(StringComparer.Ordinal)
    {
        ["certificate_required"] = "the server received no client certificate",
        ["bad_certificate"] = "the server could not use the client certificate (corrupt, or its signature or CertificateVerify did not check)",
        ["unsupported_certificate"] = "the server does not accept this kind of client certificate (key type or purpose)",
        ["certificate_revoked"] = "the server finds the client certificate revoked",
        ["certificate_expired"] = "the server finds the client certificate expired or not yet valid",
        ["certificate_unknown"] = "the server did not accept the client certificate",
        ["unknown_ca"] = "the server does not trust the issuer of the client certificate (send the intermediates in the --cert file, leaf first, or check the server's client CA list)",
        ["access_denied"] = "the server verified the client certificate but denies it access",
    };

    /// <summary>The TLS alert named in an exception chain (OpenSSL's "tlsv13 alert certificate required", .NET's
    /// "TLS alert: 'CertificateRequired'"), as RFC 8446 spells it, or null.</summary>
    internal static string? AlertOf(Exception e)
    {
        // Plain string code, no regular expressions (they would put the regex engine in the native binary).
        for (var x = (Exception?)e; x is not null; x = x.InnerException)
        {
            if (OpenSslAlert(x.Message) is { } openssl)
            {
                return openssl;
            }
            if (DotNetAlert(x.Message) is { } dotnet)
            {
                return dotnet;
            }
        }
        return null;
    }

    /// <summary>"… sslv3|tlsv1|tlsv13 alert certificate required …" gives "certificate_required".</summary>
    internal static string? OpenSslAlert(string message)
    {
        const string Marker = " alert ";
        for (int at = message.IndexOf(Marker, StringComparison.Ordinal); at >= 0; at = message.IndexOf(Marker, at + 1, StringComparison.Ordinal))
        {
            var before = message.AsSpan(0, at);
            if (!before.EndsWith("sslv3", StringComparison.Ordinal) && !before.EndsWith("tlsv1", StringComparison.Ordinal) && !before.EndsWith("tlsv13", StringComparison.Ordinal))
            {
                continue;
            }
            int start = at + Marker.Length, end = start;
            while (end < message.Length && (message[end] is >= 'a' and <= 'z' or ' '))
            {
                end++;
            }
            if (end > start)
            {
                return message[start..end].Trim().Replace(' ', '_');
            }
        }
        return null;
    }

    /// <summary>"… TLS alert: 'CertificateRequired' …" gives "certificate_required".</summary>
    internal static string? DotNetAlert(string message)
    {
        const string Marker = "TLS alert: '";
        for (int at = message.IndexOf(Marker, StringComparison.Ordinal); at >= 0; at = message.IndexOf(Marker, at + 1, StringComparison.Ordinal))
        {
            int start = at + Marker.Length, end = start;
            while (end < message.Length && char.IsAsciiLetter(message[end]))
            {
                end++;
            }
            if (end > start && end < message.Length && message[end] == '\'')
            {
                var name = new System.Text.StringBuilder();
                for (int i = start; i < end; i++)
                {
                    // An upper-case letter after a lower-case one starts a new word: CertificateRequired, certificate_required.
                    if (i > start && char.IsAsciiLetterUpper(message[i]) && char.IsAsciiLetterLower(message[i - 1]))
                    {
                        name.Append('_');
                    }
                    name.Append(char.ToLowerInvariant(message[i]));
                }
                return name.ToString();
            }
        }
        return null;
    }

    /// <summary>The innermost message of an exception chain (where the platform names the real cause).</summary>
    private static string Cause(Exception e)
    {
        var x = e;
        while (x.InnerException is { } inner)
        {
            x = inner;
        }
        return Cli.OneLine(x.Message);
    }

    private static CliException Refused(string host, int port, string alert, bool certGiven)
    {
        var what = ClientCertificateAlerts[alert];
        if (alert == "certificate_required")
        {
            what += certGiven ? " although --cert was given (check that it has the clientAuth purpose and that its issuer is one the server asks for)" : ": give one with --cert and --key";
        }
        return new CliException(Exit.ClientCertificateRefused, $"{host}:{port}: the server refused the client certificate: TLS alert {alert} ({what})")
        {
            Details = [("host", host), ("port", port), ("alert", alert)],
        };
    }

    /// <summary>Connects and verifies the server. With <c>awaitServerVerdict</c>, after a TLS 1.3 handshake it waits for the
    /// server's verdict on the client (the connect command; the demo's servers ask for no client certificate).</summary>
    internal static Report Connect(TlsContext ctx, string host, int port, string name, TimeSpan timeout, bool certGiven = false, bool awaitServerVerdict = false)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var tcp = Inputs.Connect(host, port, timeout, cts.Token);
        var sniSent = PeerIdentity.Host(name).ServerName;
        var text = new StringWriter();
        var json = new JsonObject { ["host"] = host, ["port"] = port, ["sni"] = sniSent };
        try
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            using var ssl = ctx.AuthenticateAsClientAsync(tcp.GetStream(), name, cts.Token).GetAwaiter().GetResult();
            var handshake = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            var peer = ctx.GetPeerVerification(ssl)!;
            json["protocol"] = ssl.SslProtocol.ToString();
            json["cipher_suite"] = ssl.NegotiatedCipherSuite.ToString();
            json["alpn"] = ssl.NegotiatedApplicationProtocol.ToString();
            text.WriteLine($"connected to {host}:{port}: {ssl.SslProtocol}, {ssl.NegotiatedCipherSuite}, SNI {sniSent ?? "(none: IP address)"}");
            if (peer.Result is { } r)
            {
                json["verification"] = Render.Result(r);
                Render.ResultText(text, r, explain: false);
            }
            if (peer.StrictFailure is { } strict)
            {
                json["strict_failure"] = Render.Result(strict);
                text.WriteLine(Render.Yellow($"warning: strict verification would fail: error {(int)strict.Code} ({strict.CodeText}): {strict.Message}"));
            }
            // TLS 1.3 (RFC 8446 4.4.2, 6.2): the client's handshake ends before the server has judged the client's
            // certificate, and a refusal arrives as an alert afterwards. Wait briefly for it (or for the server's first
            // data, or for nothing: a server waiting for a request has accepted).
            if (awaitServerVerdict && ssl.SslProtocol == System.Security.Authentication.SslProtocols.Tls13
                && ServerVerdict(ssl, Clamp(handshake * 3, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2)), cts.Token) is { } refusal)
            {
                var alert = AlertOf(refusal);
                CliException error = alert is not null && ClientCertificateAlerts.ContainsKey(alert)
                    ? Refused(host, port, alert, certGiven)
                    : new CliException(Exit.Network, $"{host}:{port}: the server closed the connection after the handshake: "
                        + (alert is not null ? $"TLS alert {alert}" : Cause(refusal)), "tls") { Details = [("host", host), ("port", port), ("alert", alert)] };
                json["error"] = JsonNode.Parse(ErrorObject(error));
                text.WriteLine(Render.Red(error.Message));
                return new Report(error.ExitCode, text.ToString(), json, error);
            }
            return new Report(Exit.Verified, text.ToString(), json);
        }
        catch (CertificateVerificationException e)
        {
            text.WriteLine($"connected to {host}:{port}, SNI {sniSent ?? "(none: IP address)"}; the certificate was rejected");
            if (e.Result is { } r)
            {
                json["verification"] = Render.Result(r);
                Render.ResultText(text, r, explain: true);
            }
            else
            {
                text.WriteLine(Render.Red(e.VerifyMessage));
            }
            return new Report(Exit.VerificationFailed, text.ToString(), json);
        }
        catch (OperationCanceledException)
        {
            throw new CliException(Exit.Network, $"TLS handshake with {host}:{port} timed out after {Inputs.Seconds(timeout)} (--timeout sets the limit)", "tls")
            {
                Details = [("host", host), ("port", port), ("cause", "timeout")],
            };
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or SocketException)
        {
            throw HandshakeFailure(host, port, e, certGiven);
        }
    }

    /// <summary>A failed handshake in words: the alert the server sent and what it means here, or the platform's cause.</summary>
    internal static CliException HandshakeFailure(string host, int port, Exception e, bool certGiven)
    {
        var alert = AlertOf(e);
        if (alert is not null && ClientCertificateAlerts.ContainsKey(alert) && (certGiven || alert == "certificate_required"))
        {
            return Refused(host, port, alert, certGiven);
        }
        string text = alert switch
        {
            null when e is SocketException se => Inputs.SocketCause(se).Text,
            null => Cause(e) is var c && c.Contains("EOF", StringComparison.OrdinalIgnoreCase)
                ? "the server closed the connection during the handshake (is it a TLS port? a plain-text service closes on a TLS hello)" : c,
            "handshake_failure" when !certGiven => "the server sent the TLS alert handshake_failure: over TLS 1.2 a server that requires a client certificate "
                + "refuses a client without one so (give one with --cert and --key); it also means no shared cipher suite or signature algorithm",
            "protocol_version" => "the server sent the TLS alert protocol_version: no TLS version in common (see --min-tls and --max-tls)",
            "unrecognized_name" => "the server sent the TLS alert unrecognized_name: it serves no certificate for that SNI name (see --servername)",
            _ => $"the server sent the TLS alert {alert}",
        };
        return new CliException(Exit.Network, $"TLS handshake with {host}:{port} failed: {text}", "tls")
        {
            Details = [("host", host), ("port", port), ("alert", alert)],
        };
    }

    private static TimeSpan Clamp(TimeSpan t, TimeSpan min, TimeSpan max) => t < min ? min : t > max ? max : t;

    /// <summary>After a TLS 1.3 handshake: the exception the server's alert (or closing) raised within the wait, or null
    /// when the server sent data or nothing (it waits for the client: accepted).</summary>
    private static Exception? ServerVerdict(System.Net.Security.SslStream ssl, TimeSpan wait, CancellationToken token)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
        cts.CancelAfter(wait);
        var buffer = new byte[1];
        try
        {
            return ssl.ReadAsync(buffer, cts.Token).AsTask().GetAwaiter().GetResult() == 0
                ? new IOException("the server closed the connection (end of stream) without an alert")
                : null;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or SocketException)
        {
            return e;
        }
    }

    private static string ErrorObject(CliException e)
    {
        using var buffer = new MemoryStream();
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            Cli.WriteError(w, e);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
