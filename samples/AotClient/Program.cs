// The Native AOT sample (eng/aot/sample.sh publishes and runs it):
//   AotClient <server-certificate.pem> <server-key.pem> [--Certitude:Partner:CaFile=<pem>] ...
// It starts a loopback TLS server with the given certificate (plain SslStream: the server verifies nothing), then
// makes one HTTPS request to it through an HttpClient whose TLS the Certitude context "partner" verifies. The context
// is read from configuration: appsettings.json beside the executable, then the command line, so CaFile can be given
// per run. Exit 0 with "verified" when the request succeeded; exit 2 with Certitude's code and reason when Certitude
// refused the server; exit 1 for anything else (a configuration problem reported by ValidateOnStart, say).
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Certitude.Tls;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

if (args.Length < 2 || args[0].StartsWith("--", StringComparison.Ordinal) || args[1].StartsWith("--", StringComparison.Ordinal))
{
    Console.Error.WriteLine("usage: AotClient <server-certificate.pem> <server-key.pem> [--Certitude:Partner:CaFile=<pem>]");
    return 1;
}

using var serverCertificate = X509Certificate2.CreateFromPemFile(args[0], args[1]);
using var listener = new TcpListener(IPAddress.Loopback, 0);
listener.Start();
var port = ((IPEndPoint)listener.LocalEndpoint).Port;
using var stop = new CancellationTokenSource();
var server = Serve(listener, serverCertificate, stop.Token);

var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = args });
builder.Configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true);
builder.Configuration.AddCommandLine(args[2..]);
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
builder.Logging.SetMinimumLevel(LogLevel.Information);
builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
// The whole setup: a context read from configuration (validated when the host starts) and a client that uses it.
builder.Services.AddCertitude("partner", builder.Configuration.GetSection("Certitude:Partner"));
builder.Services.AddHttpClient("partner").UseCertitude("partner");

int exit;
try
{
    using var host = builder.Build();
    await host.StartAsync(); // ValidateOnStart: a missing or unreadable CaFile stops here, naming its configuration path
    var client = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("partner");
    try
    {
        var body = await client.GetStringAsync(new Uri($"https://127.0.0.1:{port}/"));
        Console.WriteLine($"verified: https://127.0.0.1:{port}/ answered '{body}'");
        exit = 0;
    }
    catch (HttpRequestException e) when (Find<CertificateVerificationException>(e) is { } refused)
    {
        Console.WriteLine($"refused by Certitude: {refused.VerifyCode} ({(int)refused.VerifyCode}): {refused.VerifyMessage}");
        exit = 2;
    }
    await host.StopAsync();
}
catch (OptionsValidationException e)
{
    Console.WriteLine($"configuration refused at startup: {string.Join("; ", e.Failures)}");
    exit = 1;
}
await stop.CancelAsync();
listener.Stop();
await server;
return exit;

static T? Find<T>(Exception? e) where T : Exception
{
    for (; e is not null; e = e.InnerException)
    {
        if (e is T t)
        {
            return t;
        }
    }
    return null;
}

// One connection at a time: TLS with the given certificate, one request read, a fixed answer, close. A client that
// refuses the certificate just ends the handshake; the server carries on until stopped.
static async Task Serve(TcpListener listener, X509Certificate2 certificate, CancellationToken stop)
{
    var answer = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"u8.ToArray();
    while (!stop.IsCancellationRequested)
    {
        TcpClient accepted;
        try
        {
            accepted = await listener.AcceptTcpClientAsync(stop);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            return;
        }
        using (accepted)
        {
            try
            {
                await using var tls = new SslStream(accepted.GetStream());
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, stop);
                var request = new StringBuilder();
                var buffer = new byte[4096];
                while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var n = await tls.ReadAsync(buffer, stop);
                    if (n == 0)
                    {
                        break;
                    }
                    request.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }
                await tls.WriteAsync(answer, stop);
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
            {
                // The client refused us (or went away): nothing to answer.
            }
        }
    }
}
