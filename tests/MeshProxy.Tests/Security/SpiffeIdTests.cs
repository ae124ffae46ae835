using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MeshProxy.Security;

namespace MeshProxy.Tests.Security;

public sealed class SpiffeIdTests
{
    [Fact]
    public void TryRead_OneSpiffeUriSan_ReturnsIt()
    {
        using var certificate = Certificate("spiffe://cluster.local/ns/shop/sa/web", "https://example.org/other");

        Assert.True(SpiffeId.TryRead(certificate, out var id, out _));
        Assert.Equal("spiffe://cluster.local/ns/shop/sa/web", id);
        Assert.Equal("cluster.local", SpiffeId.TrustDomain(id));
    }

    [Fact]
    public void TryRead_NoSpiffeUriSan_FailsSayingSo()
    {
        using var certificate = Certificate("https://example.org/web");

        Assert.False(SpiffeId.TryRead(certificate, out _, out var error));
        Assert.Contains("no SPIFFE URI SAN", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_TwoSpiffeUriSans_FailsSayingSo()
    {
        using var certificate = Certificate("spiffe://a.org/x", "spiffe://a.org/y");

        Assert.False(SpiffeId.TryRead(certificate, out _, out var error));
        Assert.Contains("more than one", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("spiffe://Upper.org/x")]
    [InlineData("spiffe:///x")]
    [InlineData("spiffe://a.org/x//y")]
    [InlineData("spiffe://a.org/x/..")]
    [InlineData("spiffe://a.org/x?y=1")]
    public void IsValid_BadGrammar_Refused(string id) => Assert.False(SpiffeId.IsValid(id, out _));

    [Theory]
    [InlineData("spiffe://a.org")]
    [InlineData("spiffe://cluster.local/ns/default/sa/my-app_1")]
    public void IsValid_GoodGrammar_Accepted(string id) => Assert.True(SpiffeId.IsValid(id, out _));

    private static X509Certificate2 Certificate(params string[] uris)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=test", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var uri in uris)
        {
            san.AddUri(new Uri(uri));
        }

        request.CertificateExtensions.Add(san.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));
    }
}
