namespace MeshProxy.TrafficPolicy.Retries;

/// <summary>
/// The caller's content headers (content-type and the like), carried onto a try's own content as they came. The typed
/// enumerator would parse each one (under the collection's lock), store the parsed value in the caller's content and
/// hand back a formatted copy; the raw values are what the first try of a route without retries sends anyway.
/// </summary>
internal static class CallerContentHeaders
{
    public static void CopyTo(HttpContent caller, HttpContent content)
    {
        foreach (var (name, values) in caller.Headers.NonValidated)
        {
            foreach (var value in values)
            {
                content.Headers.TryAddWithoutValidation(name, value);
            }
        }
    }
}
