namespace Certitude;

/// <summary>The base of every exception Certitude throws for bad input.</summary>
public class CertitudeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CertitudeException(string message) : base(message) { }

    /// <summary>Creates the exception with an inner cause.</summary>
    public CertitudeException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>
/// A certificate (or PEM block, or bundle entry) could not be decoded: it is not strict DER or it
/// violates the X.509 ASN.1 module of RFC 5280. The message names the field; <see cref="Source"/>
/// and <see cref="Index"/> name the input when the certificate came from a file or bundle.
/// </summary>
public sealed class CertificateFormatException : CertitudeException
{
    /// <summary>Creates the exception.</summary>
    public CertificateFormatException(string field, string problem, Exception? inner = null, string? source = null, int? index = null)
        : base(Compose(field, problem, source, index), inner)
    {
        Field = field;
        Problem = problem;
        Source = source;
        Index = index;
    }

    /// <summary>The field at fault, e.g. <c>tbsCertificate.extensions.subjectAltName</c>.</summary>
    public string Field { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }

    /// <summary>The file or input name the certificate came from, if known.</summary>
    public new string? Source { get; }

    /// <summary>The zero-based position of the certificate in its bundle, if known.</summary>
    public int? Index { get; }

    /// <summary>Returns a copy that also names where the certificate came from.</summary>
    public CertificateFormatException WithLocation(string? source, int? index)
        => new(Field, Problem, InnerException, source ?? Source, index ?? Index);

    private static string Compose(string field, string problem, string? source, int? index)
    {
        var where = source is null && index is null ? "" :
            $" ({(source ?? "input")}{(index is int i ? $", certificate #{i}" : "")})";
        return $"malformed certificate{where}: {field}: {problem}";
    }
}
