using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using MeshProxy.Configuration;
using MeshProxy.Configuration.Validation;

namespace MeshProxy.Discovery;

/// <summary>
/// Asks DNS for a name's A and AAAA records with DnsClient: the configured resolver (<c>discovery.dnsResolver</c>) or
/// the system's (/etc/resolv.conf). No cache: every lookup goes to the server, since the TTL is honoured by the
/// caller's schedule, not by a cache that would hide changes.
/// </summary>
internal sealed class DnsResolver
{
    private readonly LookupClient _client;

    public DnsResolver(DiscoveryConfig config)
    {
        var options = config.DnsResolver is { } text && DiscoveryValidator.TryParseResolver(text, out var endPoint)
            ? new LookupClientOptions(new NameServer(endPoint))
            : new LookupClientOptions();
        options.UseCache = false;
        options.Timeout = config.DnsTimeout;
        options.Retries = 1;
        options.ThrowDnsErrors = false;
        options.ContinueOnDnsError = true;
        options.UseTcpFallback = true;
        _client = new LookupClient(options);
        Description = config.DnsResolver ?? "the system resolver";
    }

    /// <summary>Which server is asked, for logs.</summary>
    public string Description { get; }

    /// <summary>
    /// Resolves <paramref name="host"/>. The lookup fails when either query fails (timeout, SERVFAIL, REFUSED), so a
    /// lost AAAA answer never passes for "no IPv6 pods"; it also fails when the name does not exist or has no address,
    /// since a cluster emptied by DNS would fail every call while the last pods may well still serve.
    /// </summary>
    public async Task<DnsAnswer> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out var literal))
        {
            return new DnsAnswer([literal], null, null);
        }

        var a = QueryAsync(host, QueryType.A, cancellationToken);
        var aaaa = QueryAsync(host, QueryType.AAAA, cancellationToken);
        var answers = await Task.WhenAll(a, aaaa).ConfigureAwait(false);
        var addresses = new List<IPAddress>();
        TimeSpan? ttl = null;
        var notFound = 0;
        foreach (var (response, error) in answers)
        {
            if (error is not null)
            {
                return DnsAnswer.Failed(error);
            }

            if (response!.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
            {
                notFound++;
                continue;
            }

            if (response.HasError)
            {
                return DnsAnswer.Failed(response.ErrorMessage);
            }

            foreach (var record in response.Answers)
            {
                IPAddress? address = record switch
                {
                    ARecord r => r.Address,
                    AaaaRecord r => r.Address,
                    _ => null,
                };
                if (address is null)
                {
                    continue;
                }

                addresses.Add(address);
                var recordTtl = TimeSpan.FromSeconds(record.InitialTimeToLive);
                ttl = ttl is { } t && t <= recordTtl ? t : recordTtl;
            }
        }

        if (addresses.Count == 0)
        {
            return DnsAnswer.Failed(notFound == answers.Length ? "no such name (NXDOMAIN)" : "no A or AAAA record");
        }

        addresses.Sort(CompareAddresses);
        return new DnsAnswer(addresses.Distinct().ToList(), ttl, null);
    }

    private async Task<(IDnsQueryResponse? Response, string? Error)> QueryAsync(string host, QueryType type, CancellationToken cancellationToken)
    {
        try
        {
            return (await _client.QueryAsync(host, type, QueryClass.IN, cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is DnsResponseException or SocketException or IOException or TimeoutException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return (null, $"{type} query: {ex.Message}");
        }
    }

    // IPv4 before IPv6, then byte order: a stable order makes equal answers equal sets and round robin predictable.
    private static int CompareAddresses(IPAddress x, IPAddress y)
    {
        if (x.AddressFamily != y.AddressFamily)
        {
            return x.AddressFamily == AddressFamily.InterNetwork ? -1 : 1;
        }

        return x.GetAddressBytes().AsSpan().SequenceCompareTo(y.GetAddressBytes());
    }
}
