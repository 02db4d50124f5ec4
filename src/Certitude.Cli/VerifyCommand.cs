using System.CommandLine;

namespace Certitude.Cli;

/// <summary><c>certitude verify</c>: a chain from files, like <c>openssl verify</c>, stricter and explained.</summary>
internal static class VerifyCommand
{
    public static Command Build()
    {
        var leaf = new Argument<string>("LEAF") { Description = "the certificate to verify (PEM or DER; in a bundle, the first one, the rest used as intermediates)" };
        var untrusted = new Option<string[]>("--untrusted") { Description = "intermediates (PEM bundles or DER), repeatable" };
        var trust = new TrustOptions();
        var host = new Option<string?>("--host") { Description = "the DNS name the leaf must match (Unicode allowed)" };
        var ip = new Option<string?>("--ip") { Description = "the IP address the leaf must match" };
        var email = new Option<string?>("--email") { Description = "the email address the leaf must match" };
        var purpose = new Option<string>("--purpose") { Description = "server or client", DefaultValueFactory = _ => "server" };
        purpose.AcceptOnlyFromAmong("server", "client");
        var profile = new Option<string>("--profile") { Description = "webpki or rfc5280", DefaultValueFactory = _ => "webpki" };
        profile.AcceptOnlyFromAmong("webpki", "rfc5280");
        var noStrict = new Option<bool>("--no-strict") { Description = "turn X509Strict off" };
        var noPartial = new Option<bool>("--no-partial-chain") { Description = "only self-signed trust anchors end a path" };
        var crl = new Option<string[]>("--crl") { Description = "CRL files (PEM or DER), repeatable" };
        var crlCheck = new Option<string?>("--crl-check") { Description = "leaf or chain: check revocation with the given CRLs" };
        crlCheck.AcceptOnlyFromAmong("leaf", "chain");
        var at = new Option<string?>("--at") { Description = "validation time, ISO 8601 (default: now)" };
        var json = new Option<bool>("--json") { Description = "print the result as JSON (see docs/CLI.md)" };
        var explain = new Option<bool>("--explain") { Description = "print every check that failed on every candidate path" };
        var cmd = new Command("verify", "Verify a certificate chain from files.") { leaf, untrusted, host, ip, email, purpose, profile, noStrict, noPartial, crl, crlCheck, at, json, explain };
        trust.AddTo(cmd);
        cmd.SetAction(p => Cli.Run(() =>
        {
            var certs = Inputs.Certificates(p.GetValue(leaf)!);
            var intermediates = certs.Skip(1).ToList();
            foreach (var f in p.GetValue(untrusted) ?? [])
            {
                intermediates.AddRange(Inputs.Certificates(f));
            }
            var store = trust.Load(p);
            var flags = VerifyFlags.Default;
            if (p.GetValue(noStrict))
            {
                flags &= ~VerifyFlags.X509Strict;
            }
            if (p.GetValue(noPartial))
            {
                flags &= ~VerifyFlags.PartialChain;
            }
            var crls = Inputs.Crls(p.GetValue(crl) ?? []);
            flags |= p.GetValue(crlCheck) switch { "leaf" => VerifyFlags.CrlCheckLeaf, "chain" => VerifyFlags.CrlCheckChain, _ => VerifyFlags.None };
            var options = new VerificationOptions
            {
                Profile = p.GetValue(profile) == "rfc5280" ? VerificationProfile.Rfc5280 : VerificationProfile.WebPki,
                Flags = flags,
                Purpose = p.GetValue(purpose) == "client" ? CertificatePurpose.ClientAuthentication : CertificatePurpose.ServerAuthentication,
                ValidationTime = Inputs.Time(p.GetValue(at)),
                Crls = crls,
            };
            var peers = new List<PeerIdentity>();
            if (p.GetValue(host) is { } h)
            {
                peers.Add(PeerIdentity.Dns(h));
            }
            if (p.GetValue(ip) is { } a)
            {
                peers.Add(PeerIdentity.IPAddress(a));
            }
            if (p.GetValue(email) is { } m)
            {
                peers.Add(PeerIdentity.Email(m));
            }
            var result = new Verifier(store, options).Verify(certs[0], intermediates, peers);
            if (p.GetValue(json))
            {
                Console.Out.WriteLine(Render.Json(Render.Result(result)));
            }
            else
            {
                Render.ResultText(Console.Out, result, p.GetValue(explain));
            }
            return result.IsValid ? Exit.Verified : Exit.VerificationFailed;
        }));
        return cmd;
    }
}
