using System.Globalization;

namespace MeshProxy.Observability.Metrics;

/// <summary>The <c>http_status</c> label of a REST call; the strings of 0-599 are made once.</summary>
internal static class HttpStatusLabel
{
    private static readonly string[] Names = Enumerable.Range(0, 600).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

    public static string For(int status) => (uint)status < (uint)Names.Length ? Names[status] : status.ToString(CultureInfo.InvariantCulture);
}
