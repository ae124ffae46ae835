using System.Text.RegularExpressions;

namespace MeshProxy.Routing;

/// <summary>
/// Config regexes must match the whole value (as Envoy's safe_regex does), so a pattern without anchors cannot match
/// by accident somewhere in the middle. A match timeout bounds catastrophic backtracking on a hostile header.
/// </summary>
internal static class FullMatchRegex
{
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    public static Regex Create(string pattern) =>
        new($@"\A(?:{pattern})\z", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, MatchTimeout);

    /// <summary>A regex that runs past its timeout counts as no match: the request falls through to the next route.</summary>
    public static bool IsMatch(Regex regex, ReadOnlySpan<char> value)
    {
        try
        {
            return regex.IsMatch(value);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}
