using System.Text.RegularExpressions;
using Certitude.Cli;
using Xunit;

namespace Certitude.Tests;

/// <summary>The CLI reads parser messages and TLS alerts with plain string code (no regex engine in the native binary):
/// the same answers as the regular expressions it replaced, on the messages it meets and on awkward ones.</summary>
public sealed class CliTextTests
{
    public static TheoryData<string> Messages => new()
    {
        "Unrecognized command or argument '--cafle'.",
        "Option '--mode' expects one of 'cold', 'hot', 'warm'.",
        "no quotes at all",
        "an 'unterminated quote",
        "''",
        "'a''b' 'c'",
        "Received an unexpected EOF or 0 bytes from the transport stream. error:0A00045C:SSL routines::tlsv13 alert certificate required",
        "error:0A000418:SSL routines::tlsv1 alert unknown ca",
        "error:0A000412:SSL routines::sslv3 alert bad certificate",
        "xtlsv1 alert a",
        "tlsv12 alert handshake failure then tlsv1 alert access denied",
        "tlsv1 alert  then tlsv13 alert decode error",
        "tlsv1 alert 123",
        "The remote party sent a TLS alert: 'CertificateRequired'.",
        "TLS alert: 'UnknownCA'",
        "TLS alert: 'bad' TLS alert: 'AccessDenied'",
        "TLS alert: '' and TLS alert: 'X'",
        "TLS alert: 'Unterminated",
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void QuotedTextsAreTheRegexOnes(string message)
        => Assert.Equal(Regex.Matches(message, "'([^']*)'").Select(m => m.Groups[1].Value).ToList(), CliQuoted(message));

    [Theory]
    [MemberData(nameof(Messages))]
    public void AlertNamesAreTheRegexOnes(string message)
    {
        string? expected = null;
        var m = Regex.Match(message, @"(?:sslv3|tlsv1|tlsv13) alert ([a-z ]+)");
        if (m.Success)
        {
            expected = m.Groups[1].Value.Trim().Replace(' ', '_');
        }
        else if (Regex.Match(message, @"TLS alert: '([A-Za-z]+)'") is { Success: true } d)
        {
            expected = Regex.Replace(d.Groups[1].Value, "(?<=[a-z])([A-Z])", "_$1").ToLowerInvariant();
        }
        Assert.Equal(expected, ConnectCommand.AlertOf(new InvalidOperationException(message)));
    }

    private static List<string> CliQuoted(string message) => Spelling.Quoted(message);
}
