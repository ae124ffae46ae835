namespace MeshProxy.Configuration;

/// <summary>
/// The request conditions of a route. Exactly one of <see cref="Method"/>, <see cref="Prefix"/> and <see cref="Regex"/>
/// is set; every header matcher must hold.
/// </summary>
/// <param name="Method"><c>/pkg.Service/Method</c> (exact) or <c>/pkg.Service/*</c> (every method of a service).</param>
/// <param name="Prefix">A case-sensitive prefix of the :path, e.g. <c>/users.v1.</c>.</param>
/// <param name="Regex">A .NET regular expression matched against the whole :path.</param>
/// <param name="Headers">Header conditions, all of which must match.</param>
internal sealed record RouteMatchConfig(string? Method, string? Prefix, string? Regex, EquatableArray<HeaderMatchConfig> Headers);
