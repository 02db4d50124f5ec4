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
        var target = new Argument<string>("HOST[:PORT]") { Description = "the server (port 443 by default)" };
        var servername = new Option<string?>("--servername") { Description = "the name to send as SNI and to check (default: HOST)" };
        var settings = new VerificationSettings();
        var noCheckHostname = new Option<bool>("--no-check-hostname") { Description = "do not match the certificate against the host name" };
        var warnStrict = new Option<bool>("--warn-strict") { Description = "accept strict-only failures and report them (migration aid)" };
        var minTls = new Option<string>("--min-tls") { Description = "1.2 or 1.3", DefaultValueFactory = _ => "1.2" };
        minTls.AcceptOnlyFromAmong("1.2", "1.3");
        var maxTls = new Option<string>("--max-tls") { Description = "1.2 or 1.3", DefaultValueFactory = _ => "1.3" };
        maxTls.AcceptOnlyFromAmong("1.2", "1.3");
        var cert = new Option<string?>("--cert") { Description = "client certificate (PEM, chain allowed)" };
        var key = new Option<string?>("--key") { Description = "client private key (PEM)" };
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
                try
                {
                    ctx.LoadCertChain(certFile, p.GetValue(key));
                }
                catch (TrustStoreException e)
                {
                    throw new CliException(Exit.Usage, e.Message);
                }
            }
            var report = Connect(ctx, host, port, name, TimeSpan.FromSeconds(p.GetValue(timeout)));
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

    internal sealed record Report(int ExitCode, string Text, JsonObject Json);

    internal static Report Connect(TlsContext ctx, string host, int port, string name, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var tcp = Inputs.Connect(host, port, cts.Token);
        var sniSent = PeerIdentity.Host(name).ServerName;
        var text = new StringWriter();
        var json = new JsonObject { ["host"] = host, ["port"] = port, ["sni"] = sniSent };
        try
        {
            using var ssl = ctx.AuthenticateAsClientAsync(tcp.GetStream(), name, cts.Token).GetAwaiter().GetResult();
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
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException or SocketException)
        {
            throw new CliException(Exit.Network, $"TLS with {host}:{port} failed: {e.Message}{(e.InnerException is { } inner ? " (" + inner.GetType().Name + ": " + inner.Message + ")" : "")}");
        }
    }
}
