using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Certitude.Tls;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Certitude.Tests;

/// <summary>A minimal HTTP/1.1 server on 127.0.0.1 for caIssuers URLs: each path answers with a status, headers, a body
/// and an optional delay; every request is counted by path.</summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    internal sealed record Answer(int Status, byte[] Body, string? Location = null, TimeSpan Delay = default, string ContentType = "application/pkix-cert");

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, Answer> _routes = new(StringComparer.Ordinal);
    private readonly Task _loop;

    public LoopbackHttpServer()
    {
        _listener.Start();
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }
                _ = Task.Run(() => Serve(client));
            }
        });
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    public ConcurrentDictionary<string, int> Hits { get; } = new(StringComparer.Ordinal);

    public int TotalHits => Hits.Values.Sum();

    public void Route(string path, Answer answer) => _routes[path] = answer;

    private async Task Serve(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var reader = new StreamReader(stream, Encoding.ASCII);
                var requestLine = await reader.ReadLineAsync(_stop.Token);
                while (!string.IsNullOrEmpty(await reader.ReadLineAsync(_stop.Token)))
                {
                }
                var path = requestLine?.Split(' ')[1] ?? "/";
                Hits.AddOrUpdate(path, 1, (_, n) => n + 1);
                var a = _routes.TryGetValue(path, out var found) ? found : new Answer(404, "not found"u8.ToArray(), ContentType: "text/plain");
                if (a.Delay > TimeSpan.Zero)
                {
                    await Task.Delay(a.Delay, _stop.Token);
                }
                var head = new StringBuilder($"HTTP/1.1 {a.Status} {(a.Status == 200 ? "OK" : a.Status == 404 ? "Not Found" : "Moved")}\r\n");
                head.Append($"Content-Type: {a.ContentType}\r\nContent-Length: {a.Body.Length}\r\nConnection: close\r\n");
                if (a.Location is not null)
                {
                    head.Append($"Location: {a.Location}\r\n");
                }
                head.Append("\r\n");
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), _stop.Token);
                await stream.WriteAsync(a.Body, _stop.Token);
                await stream.FlushAsync(_stop.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // The client gave up (time budget, size limit) or the server is stopping.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }
}

/// <summary>Incomplete chains (issue 23): the diagnosis that names the missing issuer and its caIssuers URL, the opt-in
/// bounded fetch over real loopback TLS and HTTP, and intermediate sets the caller supplies.</summary>
public sealed class IntermediateFetchTests
{
    private const string Host = "aia.test";

    private static X509Extension Aia(string url) => new X509AuthorityInformationAccessExtension(null, [url]);

    /// <summary>Root (trusted) → "CN=AIA Intermediate" → leaf for aia.test whose caIssuers URL is <paramref name="url"/>.</summary>
    private static (Issued Root, Issued Ica, Issued Leaf) Pki(string url, string? icaUrl = null)
    {
        var root = TestPki.Root("CN=AIA Root", TestPki.Live());
        var ica = TestPki.Ca(root, "CN=AIA Intermediate", spec: TestPki.Live(new CertSpec { Extra = icaUrl is null ? [] : [Aia(icaUrl)] }));
        var leaf = TestPki.Leaf(ica, [Host], TestPki.Live(new CertSpec { Extra = [Aia(url)] }));
        return (root, ica, leaf);
    }

    /// <summary>A fetcher with a budget generous for a loaded test machine (the default 2 s is for production), unless the
    /// options give one.</summary>
    private static IntermediateFetcher Fetcher(IntermediateFetchOptions? options = null)
        => new(options ?? new IntermediateFetchOptions { TimeBudget = TimeSpan.FromSeconds(15) });

    private static TlsContext Client(Issued root, IntermediateFetcher? fetcher = null)
    {
        var ctx = TlsContext.CreateDefault(TlsPurpose.ServerAuthentication, TrustStore.FromCertificates([root.Cert]));
        ctx.IntermediateFetcher = fetcher;
        return ctx;
    }

    private static async Task<PeerVerification> Connect(TlsContext ctx, int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var ssl = await ctx.AuthenticateAsClientAsync(tcp.GetStream(), Host);
        return ctx.GetPeerVerification(ssl)!;
    }

    private static async Task<CertificateVerificationException> Rejected(TlsContext ctx, int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        return await Assert.ThrowsAsync<CertificateVerificationException>(() => ctx.AuthenticateAsClientAsync(tcp.GetStream(), Host));
    }

    /// <summary>A certs-only PKCS#7 (RFC 5280 4.2.2.1) of the certificates.</summary>
    private static byte[] Pkcs7(params Issued[] certs)
    {
        var collection = new X509Certificate2Collection();
        foreach (var c in certs)
        {
            collection.Add(X509CertificateLoader.LoadCertificate(c.X509.RawData));
        }
        return collection.Export(X509ContentType.Pkcs7)!;
    }

    [Fact]
    public async Task WithoutTheOptionTheFailureNamesTheMissingIssuerAndItsUrlAndNothingIsFetched()
    {
        await using var http = new LoopbackHttpServer();
        var url = http.Url("/ica.der");
        var (root, ica, leaf) = Pki(url);
        http.Route("/ica.der", new(200, ica.X509.RawData));
        await using var server = LoopbackTlsServer.Plain(TlsTests.WithKey(leaf), []);
        var e = await Rejected(Client(root), server.Port);
        var r = e.Result!;
        Assert.Equal(VerifyCode.UnableToGetIssuerCertLocally, r.Code);
        var ic = Assert.IsType<IncompleteChain>(r.IncompleteChain);
        Assert.Equal([url], ic.CaIssuersUrls);
        Assert.Equal(ica.Cert.Subject, ic.MissingIssuer);
        Assert.Equal(0, ic.CertificateIndex);
        Assert.Empty(ic.Fetches);
        Assert.False(ic.Repaired);
        Assert.Contains($"the server sent an incomplete chain: the issuer \"{ica.Cert.Subject}\" is published at {url}", r.Message, StringComparison.Ordinal);
        Assert.Contains(url, e.Message, StringComparison.Ordinal);
        Assert.Contains("incomplete chain: certificate 0", r.Explain(), StringComparison.Ordinal);
        Assert.Equal(0, http.TotalHits);
    }

    [Fact]
    public void TheDiagnosisIsSetOnlyForAMissingIssuerWithACaIssuersUrl()
    {
        var (root, ica, leaf) = Pki("http://127.0.0.1:9/ica.der");
        var verifier = new Verifier(TrustStore.FromCertificates([root.Cert]));
        Assert.NotNull(verifier.Verify(leaf.Cert, [], PeerIdentity.Host(Host)).IncompleteChain);
        // A complete chain: no diagnosis.
        var ok = verifier.Verify(leaf.Cert, [ica.Cert], PeerIdentity.Host(Host));
        Assert.True(ok.IsValid, ok.Explain());
        Assert.Null(ok.IncompleteChain);
        // The missing issuer names no caIssuers URL: the message is the engine's, no diagnosis.
        var plain = TestPki.Leaf(ica, [Host], TestPki.Live());
        var noAia = verifier.Verify(plain.Cert, [], PeerIdentity.Host(Host));
        Assert.Equal(VerifyCode.UnableToGetIssuerCertLocally, noAia.Code);
        Assert.Null(noAia.IncompleteChain);
        Assert.DoesNotContain("incomplete chain", noAia.Message, StringComparison.Ordinal);
        // Another failure (a wrong name) with the issuer present: no diagnosis.
        Assert.Null(verifier.Verify(leaf.Cert, [ica.Cert], PeerIdentity.Host("other.test")).IncompleteChain);
    }

    [Fact]
    public void ClientCertificatesGetTheDiagnosisButAServerNeverFetches()
    {
        var root = TestPki.Root("CN=AIA Client Root", TestPki.Live());
        var ica = TestPki.Ca(root, "CN=AIA Client Intermediate", spec: TestPki.Live());
        var url = "http://127.0.0.1:9/client-ica.der";
        var client = TestPki.Leaf(ica, spec: TestPki.Live(new CertSpec { Subject = "CN=client", Ekus = ["1.3.6.1.5.5.7.3.2"], Extra = [Aia(url)] }));
        var ctx = TlsContext.CreateDefault(TlsPurpose.ClientAuthentication, TrustStore.FromCertificates([root.Cert]));
        ctx.VerifyMode = VerifyMode.Required;
        Assert.Throws<InvalidOperationException>(() => ctx.IntermediateFetcher = new IntermediateFetcher());
        var state = new PeerVerification();
        Assert.False(ctx.VerifyPeer(state, client.X509, null, "client"));
        Assert.Equal([url], state.Result!.IncompleteChain!.CaIssuersUrls);
        Assert.Contains("the client sent an incomplete chain", state.Result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("--fetch-intermediates", state.Result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("der")]
    [InlineData("pkcs7")]
    public async Task TheFetchCompletesTheChainWithAWarningAndOneFetchServesManyConnections(string format)
    {
        await using var http = new LoopbackHttpServer();
        var url = http.Url("/ica." + format);
        var (root, ica, leaf) = Pki(url);
        http.Route("/ica." + format, new(200, format == "der" ? ica.X509.RawData : Pkcs7(ica), ContentType: format == "der" ? "application/pkix-cert" : "application/pkcs7-mime"));
        await using var server = LoopbackTlsServer.Plain(TlsTests.WithKey(leaf), []);
        var fetcher = Fetcher();
        var ctx = Client(root, fetcher);
        var log = new CapturingLoggerProvider();
        ctx.Logger = log.CreateLogger(TlsContext.MeterName);
        var first = await Connect(ctx, server.Port);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Connect(ctx, server.Port)));
        foreach (var peer in results.Prepend(first))
        {
            var r = peer.Result!;
            Assert.True(r.IsValid, r.Explain());
            Assert.Equal(3, r.Path.Count);
            Assert.Equal(ica.Cert, r.Path[1]);
            var w = Assert.Single(r.Warnings, w => w.RuleId == IntermediateFetcher.WarningRuleId);
            Assert.Contains($"completed with an intermediate fetched from {url}", w.Message, StringComparison.Ordinal);
            Assert.Equal(1, w.CertificateIndex);
            Assert.True(r.IncompleteChain!.Repaired);
            Assert.Contains(format == "der" ? "(DER" : "(PKCS#7", r.IncompleteChain.Fetches.Single().Outcome, StringComparison.Ordinal);
        }
        Assert.Equal(1, http.Hits["/ica." + format]);
        Assert.Equal(1, fetcher.RequestCount);
        Assert.Contains(log.Lines, l => l.Message.Contains("fetched from " + url, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConcurrentVerificationsOfOneUrlShareOneFetch()
    {
        await using var http = new LoopbackHttpServer();
        var url = http.Url("/slowish.der");
        var (root, ica, leaf) = Pki(url);
        // Slow enough that the verifications overlap, well inside the budget.
        http.Route("/slowish.der", new(200, ica.X509.RawData, Delay: TimeSpan.FromMilliseconds(300)));
        var fetcher = new IntermediateFetcher(new IntermediateFetchOptions { TimeBudget = TimeSpan.FromSeconds(20) });
        var verifier = new Verifier(TrustStore.FromCertificates([root.Cert]));
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => fetcher.Verify(verifier, leaf.Cert, [], [PeerIdentity.Host(Host)]))));
        Assert.All(results, r => Assert.True(r.IsValid, r.Explain()));
        Assert.Equal(1, http.Hits["/slowish.der"]);
    }

    /// <summary>Each broken or hostile publication point ends in the original failure (20) plus the diagnosis of what
    /// the fetch did, well within a generous bound (never a timed assertion on a loaded machine).</summary>
    [Theory]
    [InlineData("slow", "timed out")]
    [InlineData("oversized", "over the limit")]
    [InlineData("redirect-https", "only http: is fetched")]
    [InlineData("redirect-twice", "more than 1 redirect")]
    [InlineData("not-chaining", "did not complete the chain")]
    [InlineData("not-found", "HTTP 404")]
    [InlineData("pem", "PEM")]
    [InlineData("ldap", "only http: URLs are fetched")]
    public async Task AFailedFetchLeavesTheOriginalFailurePlusADiagnosis(string kind, string expected)
    {
        await using var http = new LoopbackHttpServer();
        var url = kind == "ldap" ? "ldap://127.0.0.1/cn=AIA%20Intermediate?cACertificate" : http.Url("/" + kind);
        var (root, ica, leaf) = Pki(url);
        var stranger = TestPki.Ca(TestPki.Root("CN=Other Root", TestPki.Live()), "CN=Other Intermediate", spec: TestPki.Live());
        http.Route("/" + kind, kind switch
        {
            "slow" => new(200, ica.X509.RawData, Delay: TimeSpan.FromSeconds(60)),
            "oversized" => new(200, new byte[100 * 1024]),
            "redirect-https" => new(302, [], Location: $"https://127.0.0.1:{http.Port}/ica.der"),
            "redirect-twice" => new(302, [], Location: http.Url("/hop")),
            "not-chaining" => new(200, stranger.X509.RawData),
            "pem" => new(200, Encoding.ASCII.GetBytes(ica.X509.ExportCertificatePem())),
            _ => new(404, []),
        });
        http.Route("/hop", new(301, [], Location: http.Url("/ica.der")));
        http.Route("/ica.der", new(200, ica.X509.RawData));
        await using var server = LoopbackTlsServer.Plain(TlsTests.WithKey(leaf), []);
        var fetcher = Fetcher(new IntermediateFetchOptions { TimeBudget = TimeSpan.FromSeconds(5) });
        var watch = Stopwatch.StartNew();
        var e = await Rejected(Client(root, fetcher), server.Port);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(45), $"took {watch.Elapsed}");
        var r = e.Result!;
        Assert.Equal(VerifyCode.UnableToGetIssuerCertLocally, r.Code);
        Assert.Equal(0, r.FailingCertificateIndex);
        var ic = r.IncompleteChain!;
        Assert.False(ic.Repaired);
        var fetch = Assert.Single(ic.Fetches);
        Assert.Equal(url, fetch.Url);
        Assert.Contains(expected, fetch.Outcome, StringComparison.Ordinal);
        Assert.Contains(expected, r.Message, StringComparison.Ordinal);
        Assert.Contains("fetch: ", r.Explain(), StringComparison.Ordinal);
        Assert.DoesNotContain(r.Warnings, w => w.RuleId == IntermediateFetcher.WarningRuleId);
        // The https: target is never contacted, and a redirect is followed at most once.
        Assert.False(http.Hits.ContainsKey("/ica.der"), string.Join(",", http.Hits.Keys));
    }

    [Fact]
    public async Task OneRedirectToHttpIsFollowed()
    {
        await using var http = new LoopbackHttpServer();
        var (root, ica, leaf) = Pki(http.Url("/moved"));
        http.Route("/moved", new(301, [], Location: "/ica.der"));
        http.Route("/ica.der", new(200, ica.X509.RawData));
        var r = Fetcher().Verify(new Verifier(TrustStore.FromCertificates([root.Cert])), leaf.Cert, [], [PeerIdentity.Host(Host)]);
        Assert.True(r.IsValid, r.Explain());
        Assert.Contains("after a redirect", r.IncompleteChain!.Fetches.Single().Outcome, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALoopOfCaIssuersUrlsEndsInTheOriginalFailure()
    {
        await using var http = new LoopbackHttpServer();
        // A's caIssuers serves B, whose caIssuers serves A: each issued by the other, neither reaching the anchor.
        var bKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var bFirst = TestPki.Root("CN=Loop B", TestPki.Live(new CertSpec { Key = bKey }));
        var a = TestPki.Ca(bFirst, "CN=Loop A", spec: TestPki.Live(new CertSpec { Extra = [Aia(http.Url("/b"))] }));
        var b = TestPki.Ca(a, "CN=Loop B", spec: TestPki.Live(new CertSpec { Key = bKey, Extra = [Aia(http.Url("/a"))] }));
        var leaf = TestPki.Leaf(a, [Host], TestPki.Live(new CertSpec { Extra = [Aia(http.Url("/a"))] }));
        http.Route("/a", new(200, a.X509.RawData));
        http.Route("/b", new(200, b.X509.RawData));
        var root = TestPki.Root("CN=Loop Anchor", TestPki.Live());
        await using var server = LoopbackTlsServer.Plain(TlsTests.WithKey(leaf), []);
        var watch = Stopwatch.StartNew();
        var e = await Rejected(Client(root, Fetcher()), server.Port);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(45), $"took {watch.Elapsed}");
        var r = e.Result!;
        Assert.Equal(VerifyCode.UnableToGetIssuerCertLocally, r.Code);
        Assert.Equal(0, r.FailingCertificateIndex);
        Assert.Equal(2, r.IncompleteChain!.Fetches.Count);
        Assert.True(http.TotalHits <= 3, $"{http.TotalHits} requests");
        Assert.Equal(1, http.Hits["/a"]);
    }

    [Fact]
    public async Task AtMostMaxFetchesPerVerification()
    {
        await using var http = new LoopbackHttpServer();
        // A chain lacking two levels, each published; with one fetch allowed the second level is not fetched.
        var root = TestPki.Root("CN=Depth Root", TestPki.Live());
        var upper = TestPki.Ca(root, "CN=Depth Upper", spec: TestPki.Live());
        var lower = TestPki.Ca(upper, "CN=Depth Lower", spec: TestPki.Live(new CertSpec { Extra = [Aia(http.Url("/upper"))] }));
        var leaf = TestPki.Leaf(lower, [Host], TestPki.Live(new CertSpec { Extra = [Aia(http.Url("/lower"))] }));
        http.Route("/upper", new(200, upper.X509.RawData));
        http.Route("/lower", new(200, lower.X509.RawData));
        var verifier = new Verifier(TrustStore.FromCertificates([root.Cert]));
        var one = Fetcher(new IntermediateFetchOptions { MaxFetches = 1, TimeBudget = TimeSpan.FromSeconds(15) }).Verify(verifier, leaf.Cert, [], [PeerIdentity.Host(Host)]);
        Assert.Equal(VerifyCode.UnableToGetIssuerCertLocally, one.Code);
        Assert.Equal(0, one.FailingCertificateIndex);
        Assert.Contains(one.IncompleteChain!.Fetches, f => f.Outcome.Contains("limit of 1 fetch", StringComparison.Ordinal));
        Assert.Equal(0, http.Hits.GetValueOrDefault("/upper"));
        var three = Fetcher().Verify(verifier, leaf.Cert, [], [PeerIdentity.Host(Host)]);
        Assert.True(three.IsValid, three.Explain());
        Assert.Equal(2, three.Warnings.Count(w => w.RuleId == IntermediateFetcher.WarningRuleId));
    }

    [Fact]
    public async Task SuppliedIntermediatesCompleteTheChainOffline()
    {
        await using var http = new LoopbackHttpServer();
        var (root, ica, leaf) = Pki(http.Url("/ica.der"));
        http.Route("/ica.der", new(200, ica.X509.RawData));
        var dir = Directory.CreateTempSubdirectory("certitude-intermediates-");
        try
        {
            var bundle = Path.Combine(dir.FullName, "bundle.pem");
            File.WriteAllText(bundle, ica.X509.ExportCertificatePem());
            File.WriteAllText(Path.Combine(dir.FullName, "README"), "not a certificate");
            await using var server = LoopbackTlsServer.Plain(TlsTests.WithKey(leaf), []);
            foreach (var load in new Action<TlsContext>[] { c => c.LoadIntermediates(file: bundle), c => c.LoadIntermediates(directory: dir.FullName), c => c.LoadIntermediates(pem: ica.X509.ExportCertificatePem()) })
            {
                var ctx = Client(root);
                load(ctx);
                var r = (await Connect(ctx, server.Port)).Result!;
                Assert.True(r.IsValid, r.Explain());
                Assert.Equal(ica.Cert, r.Path[1]);
                Assert.Null(r.IncompleteChain);
                Assert.Empty(r.Warnings);
            }
            Assert.Equal(0, http.TotalHits);
            var bad = Path.Combine(dir.FullName, "bad.pem");
            File.WriteAllText(bad, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
            var e = Assert.Throws<TrustStoreException>(() => Client(root).LoadIntermediates(file: bad));
            Assert.Contains("bad.pem", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void CertsOnlyPkcs7IsReadAndAnythingElseRefused()
    {
        var root = TestPki.Root("CN=P7 Root");
        var ica = TestPki.Ca(root, "CN=P7 Intermediate");
        var (certs, format, refusal) = CertsOnlyPkcs7.Read(Pkcs7(ica, root));
        Assert.Null(refusal);
        Assert.Equal("PKCS#7", format);
        Assert.Equal([ica.Cert, root.Cert], certs);
        Assert.Equal("DER", CertsOnlyPkcs7.Read(ica.X509.RawData).Format);
        // openssl's certs-only form (crl2pkcs7 -nocrl), as CAs publish it.
        var pem = Path.GetTempFileName();
        var der = Path.GetTempFileName();
        try
        {
            File.WriteAllText(pem, ica.X509.ExportCertificatePem());
            var made = ProcessRunner.OpenSsl(["crl2pkcs7", "-nocrl", "-certfile", pem, "-outform", "DER", "-out", der]);
            Assert.True(made.Exit == 0, made.Stderr);
            Assert.Equal([ica.Cert], CertsOnlyPkcs7.Read(File.ReadAllBytes(der)).Certificates);
        }
        finally
        {
            File.Delete(pem);
            File.Delete(der);
        }
        Assert.Contains("empty", CertsOnlyPkcs7.Read(Array.Empty<byte>()).Refusal, StringComparison.Ordinal);
        Assert.NotNull(CertsOnlyPkcs7.Read(new byte[] { 0x30, 0x03, 0x02, 0x01, 0x01 }).Refusal);
        Assert.NotNull(CertsOnlyPkcs7.Read(Encoding.ASCII.GetBytes("<html>hello</html>")).Refusal);
        // A SignedData with a signer (its content is irrelevant: its presence is refused) is not certs-only.
        var w = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteObjectIdentifier("1.2.840.113549.1.7.2");
            using (w.PushSequence(new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 0, true)))
            using (w.PushSequence())
            {
                w.WriteInteger(1);
                using (w.PushSetOf())
                {
                }
                using (w.PushSequence())
                {
                    w.WriteObjectIdentifier("1.2.840.113549.1.7.1");
                }
                using (w.PushSetOf(new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 0, true)))
                {
                    w.WriteEncodedValue(ica.X509.RawData);
                }
                using (w.PushSetOf())
                using (w.PushSequence())
                {
                    w.WriteInteger(1);
                }
            }
        }
        Assert.Contains("not certs-only", CertsOnlyPkcs7.Read(w.Encode()).Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void OnlyHttpUrlsAreFetched()
    {
        Assert.Null(IntermediateFetcher.Refusal("http://ca.example/ica.der"));
        Assert.NotNull(IntermediateFetcher.Refusal("https://ca.example/ica.der"));
        Assert.NotNull(IntermediateFetcher.Refusal("ldap://ca.example/cn=x"));
        Assert.NotNull(IntermediateFetcher.Refusal("file:///etc/passwd"));
        Assert.NotNull(IntermediateFetcher.Refusal("not a url"));
    }

    [Fact]
    public async Task TheCacheIsBoundedAndExpires()
    {
        await using var http = new LoopbackHttpServer();
        var (root, ica, leaf) = Pki(http.Url("/ica.der"));
        http.Route("/ica.der", new(200, ica.X509.RawData));
        var verifier = new Verifier(TrustStore.FromCertificates([root.Cert]));
        var expiring = Fetcher(new IntermediateFetchOptions { CacheLifetime = TimeSpan.Zero, TimeBudget = TimeSpan.FromSeconds(15) });
        Assert.True(expiring.Verify(verifier, leaf.Cert, [], [PeerIdentity.Host(Host)]).IsValid);
        Assert.True(expiring.Verify(verifier, leaf.Cert, [], [PeerIdentity.Host(Host)]).IsValid);
        Assert.Equal(2, http.Hits["/ica.der"]);
        var uncached = Fetcher(new IntermediateFetchOptions { CacheEntries = 0, TimeBudget = TimeSpan.FromSeconds(15) });
        Assert.True(uncached.Verify(verifier, leaf.Cert, [], [PeerIdentity.Host(Host)]).IsValid);
        Assert.True(uncached.Verify(verifier, leaf.Cert, [], [PeerIdentity.Host(Host)]).IsValid);
        Assert.Equal(4, http.Hits["/ica.der"]);
    }

    private sealed class CountingHandler : DelegatingHandler
    {
        public int Count;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Count);
            return base.SendAsync(request, cancellationToken);
        }
    }

    [Fact]
    public async Task ConfigurationTurnsFetchingOnAndTheNamedHttpClientFetches()
    {
        await using var http = new LoopbackHttpServer();
        var (root, ica, leaf) = Pki(http.Url("/ica.der"));
        http.Route("/ica.der", new(200, ica.X509.RawData));
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Certitude:CaData"] = root.X509.ExportCertificatePem(),
            ["Certitude:FetchIntermediates"] = "true",
            ["Certitude:FetchLimits:MaxFetches"] = "2",
            ["Certitude:FetchLimits:TimeBudget"] = "00:00:15",
        }).Build();
        var services = new ServiceCollection();
        services.AddCertitude().Bind(config.GetSection("Certitude"));
        var counting = new CountingHandler();
        services.AddHttpClient(IntermediateFetcher.HttpClientName).AddHttpMessageHandler(() => counting);
        using var provider = services.BuildServiceProvider();
        var ctx = provider.GetRequiredService<TlsContextProvider>().Get();
        Assert.Equal(2, ctx.IntermediateFetcher!.Options.MaxFetches);
        Assert.Equal(TimeSpan.FromSeconds(15), ctx.IntermediateFetcher.Options.TimeBudget);
        await using var server = LoopbackTlsServer.Plain(TlsTests.WithKey(leaf), []);
        var r = (await Connect(ctx, server.Port)).Result!;
        Assert.True(r.IsValid, r.Explain());
        Assert.Equal(1, counting.Count);
        Assert.Equal(1, http.TotalHits);
        // Off unless asked for.
        var off = new ServiceCollection();
        off.AddCertitude(o => o.CaData = root.X509.ExportCertificatePem());
        using var offProvider = off.BuildServiceProvider();
        Assert.Null(offProvider.GetRequiredService<TlsContextProvider>().Get().IntermediateFetcher);
    }
}
