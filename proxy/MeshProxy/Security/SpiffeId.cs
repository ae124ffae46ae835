using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace MeshProxy.Security;

/// <summary>
/// The SPIFFE ID a certificate carries (SPIFFE X.509-SVID: exactly one URI SAN with the <c>spiffe</c> scheme). The
/// mTLS listener refuses a client certificate for which <see cref="TryRead"/> fails; authorization, identity forwarding
/// and observability read the caller's identity through <see cref="OfCaller"/>.
/// </summary>
internal static class SpiffeId
{
    private const string SubjectAlternativeNameOid = "2.5.29.17";

    /// <summary>The verified SPIFFE ID of the caller of <paramref name="connection"/>'s calls, or null on a cleartext or anonymous connection.</summary>
    public static string? OfCaller(Microsoft.AspNetCore.Http.ConnectionInfo connection) =>
        connection.ClientCertificate is { } certificate && TryRead(certificate, out var id, out _) ? id : null;

    /// <summary>
    /// Reads the certificate's single SPIFFE URI SAN. Fails, saying why, when it has none, more than one, or one that
    /// is not a valid SPIFFE ID (<c>spiffe://trust-domain/path</c>, lower-case trust domain, no query or fragment).
    /// </summary>
    public static bool TryRead(X509Certificate2 certificate, out string id, out string error)
    {
        id = string.Empty;
        string? found = null;
        foreach (var uri in UriNames(certificate))
        {
            if (!uri.StartsWith("spiffe://", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (found is not null)
            {
                error = "the certificate has more than one SPIFFE URI SAN";
                return false;
            }

            found = uri;
        }

        if (found is null)
        {
            error = "the certificate has no SPIFFE URI SAN";
            return false;
        }

        if (!IsValid(found, out error))
        {
            return false;
        }

        id = found;
        return true;
    }

    /// <summary>The trust domain of a valid SPIFFE ID: <c>spiffe://example.org/ns/a</c> gives <c>example.org</c>.</summary>
    public static string TrustDomain(string id)
    {
        var rest = id.AsSpan("spiffe://".Length);
        var slash = rest.IndexOf('/');
        return (slash < 0 ? rest : rest[..slash]).ToString();
    }

    /// <summary>Checks the SPIFFE ID grammar (SPIFFE-ID.md §2): scheme, trust domain, path segments.</summary>
    public static bool IsValid(string id, out string error)
    {
        error = string.Empty;
        if (!id.StartsWith("spiffe://", StringComparison.Ordinal))
        {
            error = $"'{id}' is not a SPIFFE ID: the scheme must be spiffe:// in lower case";
            return false;
        }

        var domain = TrustDomain(id);
        if (!IsTrustDomainName(domain))
        {
            error = $"'{id}' is not a SPIFFE ID: the trust domain must be non-empty lower-case letters, digits, '.', '-' or '_'";
            return false;
        }

        var path = id.AsSpan("spiffe://".Length + domain.Length);
        if (path.Length > 0)
        {
            foreach (var range in path[1..].Split('/'))
            {
                var segment = path[1..][range];
                if (segment.Length == 0 || segment is "." or ".." ||
                    segment.IndexOfAnyExcept("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") >= 0)
                {
                    error = $"'{id}' is not a SPIFFE ID: each path segment must be non-empty letters, digits, '.', '-' or '_' (not '.' or '..')";
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// Checks a bare trust domain as the config gives it (<c>example.org</c>: no scheme, no path), the name
    /// <see cref="IsValid"/> requires after <c>spiffe://</c>.
    /// </summary>
    public static bool IsValidTrustDomain(string domain, out string error)
    {
        error = IsTrustDomainName(domain) ? string.Empty
            : domain.Contains("://", StringComparison.Ordinal) || domain.Contains('/', StringComparison.Ordinal)
                ? "give the trust domain alone, without spiffe:// or a path (example.org)"
                : "it must be non-empty lower-case letters, digits, '.', '-' or '_'";
        return error.Length == 0;
    }

    // SPIFFE-ID.md §2.1: the trust domain is lower-case letters, digits, dots, dashes and underscores.
    private static bool IsTrustDomainName(string domain) =>
        domain.Length > 0 && domain.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-' or '_');

    // X509SubjectAlternativeNameExtension enumerates DNS names and IP addresses only, so URIs are read from the DER
    // (RFC 5280 §4.2.1.6: GeneralName uniformResourceIdentifier is [6] IA5String).
    private static List<string> UriNames(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value != SubjectAlternativeNameOid)
            {
                continue;
            }

            try
            {
                var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
                var sequence = reader.ReadSequence();
                var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
                while (sequence.HasData)
                {
                    var tag = sequence.PeekTag();
                    if (tag.HasSameClassAndValue(uriTag))
                    {
                        names.Add(sequence.ReadCharacterString(UniversalTagNumber.IA5String, uriTag));
                    }
                    else
                    {
                        sequence.ReadEncodedValue();
                    }
                }
            }
            catch (AsnContentException)
            {
                // A malformed SAN names nobody; the certificate is then refused for having no SPIFFE ID.
            }
        }

        return names;
    }
}
