namespace MeshProxy.Configuration;

/// <summary>
/// Sticky canary split: the value of <paramref name="Header"/> decides the backend, so one user (one value) lands on
/// the same backend on every replica and across restarts. Calls without the header get the weighted random pick.
/// </summary>
/// <param name="Header">Request header whose value is hashed, e.g. <c>x-user-id</c>; case-insensitive name.</param>
internal sealed record HashOnConfig(string Header);
