using System.CommandLine;

namespace Certitude.Cli;

/// <summary><c>certitude verify</c>: a chain from files, like <c>openssl verify</c>, stricter and explained.</summary>
internal static class VerifyCommand
{
    public static Command Build()
    {
        var leaf = new Argument<string>("LEAF") { Description = "the certificate to verify (PEM, DER or PKCS#7; in a bundle, the first one, the rest used as intermediates)" };
        var untrusted = new Option<string[]>("--untrusted") { Description = "intermediates (PEM bundles, DER or PKCS#7 bags), repeatable" };
        var settings = new VerificationSettings();
        var host = new Option<string?>("--host") { Description = "the host name the leaf must match (Unicode allowed; an IP address literal is matched as --ip)" };
        var ip = new Option<string?>("--ip") { Description = "the IP address the leaf must match" };
        var email = new Option<string?>("--email") { Description = "the email address the leaf must match" };
        var noPartial = new Option<bool>("--no-partial-chain") { Description = "only self-signed trust anchors end a path" };
        var crl = new Option<string[]>("--crl") { Description = "CRL files (PEM or DER), repeatable" };
        var crlCheck = new Option<string?>("--crl-check") { Description = "leaf or chain: check revocation with the given CRLs" };
        crlCheck.AcceptOnlyFromAmong("leaf", "chain");
        var json = new Option<bool>("--json") { Description = "print the result as JSON (see docs/CLI.md)" };
        var explain = new Option<bool>("--explain") { Description = "print every check that failed on every candidate path" };
        var chains = new IntermediateSettings();
        var cmd = new Command("verify", "Verify a certificate chain from files (PEM, DER or PKCS#7).") { leaf, untrusted, host, ip, email, noPartial, crl, crlCheck, json, explain };
        chains.AddTo(cmd);
        settings.AddTo(cmd);
        cmd.SetAction(p => Cli.Run(() =>
        {
            var certs = Inputs.Certificates(p.GetValue(leaf)!);
            var intermediates = certs.Skip(1).ToList();
            foreach (var f in p.GetValue(untrusted) ?? [])
            {
                intermediates.AddRange(Inputs.Certificates(f));
            }
            var options = settings.Options(p);
            var store = settings.Trust.Load(p);
            var flags = options.Flags;
            if (p.GetValue(noPartial))
            {
                flags &= ~VerifyFlags.PartialChain;
            }
            if (p.GetValue(crl) is { Length: > 0 } && p.GetValue(crlCheck) is null)
            {
                throw new CliException(Exit.Usage, "--crl gives CRLs but nothing checks them: add --crl-check leaf or --crl-check chain");
            }
            var crls = Inputs.Crls(p.GetValue(crl) ?? []);
            flags |= p.GetValue(crlCheck) switch { "leaf" => VerifyFlags.CrlCheckLeaf, "chain" => VerifyFlags.CrlCheckChain, _ => VerifyFlags.None };
            options = options with { Flags = flags, Crls = crls, Intermediates = chains.Intermediates(p) };
            var peers = new List<PeerIdentity>();
            if (p.GetValue(host) is { } h)
            {
                // What a TLS client has: a host name, or an IP literal checked against the iPAddress names (RFC 9525 6.2).
                peers.Add(PeerIdentity.Host(h));
            }
            if (p.GetValue(ip) is { } a)
            {
                peers.Add(PeerIdentity.IPAddress(a));
            }
            if (p.GetValue(email) is { } m)
            {
                peers.Add(PeerIdentity.Email(m));
            }
            if (peers.FirstOrDefault(x => !x.IsValid) is { } bad)
            {
                throw new CliException(Exit.Usage, $"--{(bad.Kind == PeerIdentityKind.Email ? "email" : bad.Kind == PeerIdentityKind.IPAddress && p.GetValue(ip) is not null ? "ip" : "host")} '{bad.Value}': {bad.Error}");
            }
            var verifier = new Verifier(store, options);
            var result = chains.Fetcher(p) is { } fetcher ? fetcher.Verify(verifier, certs[0], intermediates, peers) : verifier.Verify(certs[0], intermediates, peers);
            // A CA certificate verified for the default purpose (a TLS server) fails as a subscriber; say how to verify it as a CA.
            var hint = !result.IsValid && certs[0].IsCertificateAuthority && !settings.PurposeGiven(p)
                ? "certificate 0 is a CA certificate (basicConstraints cA); it was verified as a TLS server certificate (the default purpose). To verify it as a CA, add --purpose any"
                : null;
            if (p.GetValue(json))
            {
                var doc = Render.Result(result);
                if (hint is not null)
                {
                    doc["hint"] = hint;
                }
                Console.Out.WriteLine(Render.Json(doc));
            }
            else
            {
                Render.ResultText(Console.Out, result, p.GetValue(explain));
                if (hint is not null)
                {
                    Console.Out.WriteLine("hint: " + hint);
                }
            }
            return result.IsValid ? Exit.Verified : Exit.VerificationFailed;
        }));
        return cmd;
    }
}
