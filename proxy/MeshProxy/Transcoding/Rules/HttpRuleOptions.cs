using System.Collections.Immutable;

namespace MeshProxy.Transcoding.Rules;

/// <summary>Which gRPC methods become REST endpoints.</summary>
internal sealed record HttpRuleOptions
{
    public static HttpRuleOptions Default { get; } = new();

    /// <summary>Full service names (<c>users.v1.UserService</c>). Default: empty, meaning every service with rules.</summary>
    public ImmutableArray<string> Services { get; init; } = [];

    /// <summary>Also expose methods without a <c>google.api.http</c> rule as <c>POST /pkg.Service/Method</c> with the
    /// whole JSON body as the request (<c>body: "*"</c>). Default: false.</summary>
    public bool UnannotatedMethods { get; init; }

    public bool Equals(HttpRuleOptions? other) =>
        other is not null && UnannotatedMethods == other.UnannotatedMethods
        && (Services.IsDefault ? [] : Services).SequenceEqual(other.Services.IsDefault ? [] : other.Services);

    public override int GetHashCode() => HashCode.Combine(UnannotatedMethods, Services.IsDefault ? 0 : Services.Length);
}
