using System.Formats.Asn1;
using System.Security.Cryptography;

namespace Certitude.Der;

/// <summary>Runs a DER decoder so that whatever the input, only <see cref="CertificateFormatException"/>
/// escapes, naming the field the decoder had reached.</summary>
internal static class DerGuard
{
    /// <summary>The field being decoded, updated by the decoder as it goes.</summary>
    internal sealed class Field(string name)
    {
        public string Name = name;
    }

    public static T Parse<T>(ReadOnlyMemory<byte> der, string start, Func<ReadOnlyMemory<byte>, Field, T> decode)
    {
        var at = new Field(start);
        try
        {
            return decode(der, at);
        }
        catch (CertificateFormatException)
        {
            throw;
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or ArgumentException or OverflowException or FormatException or InvalidOperationException)
        {
            throw new CertificateFormatException(at.Name, e.Message, e);
        }
    }
}
