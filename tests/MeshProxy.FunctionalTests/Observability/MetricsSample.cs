using System.Diagnostics;
using System.Globalization;
using System.Net;
using MeshProxy.TestSupport;

namespace MeshProxy.FunctionalTests.Observability;

/// <summary>One sample line of a Prometheus text exposition: name, labels, value.</summary>
public sealed record MetricsSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    /// <summary>Parses the sample lines of a scrape (comments skipped); label values are unescaped.</summary>
    public static IReadOnlyList<MetricsSample> Parse(string exposition)
    {
        var samples = new List<MetricsSample>();
        foreach (var line in exposition.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.LastIndexOf(' ');
            var name = brace >= 0 ? line[..brace] : line[..space];
            if (brace >= 0)
            {
                var i = brace + 1;
                while (line[i] != '}')
                {
                    var eq = line.IndexOf('=', i);
                    var label = line[i..eq];
                    var value = new System.Text.StringBuilder();
                    var j = eq + 2;
                    for (; line[j] != '"'; j++)
                    {
                        if (line[j] == '\\')
                        {
                            j++;
                            value.Append(line[j] == 'n' ? '\n' : line[j]);
                        }
                        else
                        {
                            value.Append(line[j]);
                        }
                    }

                    labels[label] = value.ToString();
                    i = line[j + 1] == ',' ? j + 2 : j + 1;
                }
            }

            samples.Add(new MetricsSample(name, labels, double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture)));
        }

        return samples;
    }

    /// <summary>The sum of the samples named <paramref name="name"/> whose labels match (an empty value matches a missing label).</summary>
    public static double Sum(IReadOnlyList<MetricsSample> samples, string name, params (string Label, string Value)[] match) =>
        samples.Where(s => s.Name == name && match.All(m => s.Labels.TryGetValue(m.Label, out var v) ? v == m.Value : m.Value.Length == 0)).Sum(s => s.Value);

    /// <summary>
    /// Scrapes <c>/metrics</c> on <paramref name="ops"/> until <paramref name="settled"/> holds or 10 s have passed, and
    /// returns the last scrape: the sidecar records a call a moment after its caller sees the end.
    /// </summary>
    public static async Task<IReadOnlyList<MetricsSample>> ScrapeUntilAsync(HttpClient http, Uri ops, Func<IReadOnlyList<MetricsSample>, bool> settled)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using var response = await http.GetAsync(new Uri(ops, "/metrics")).DefaultTimeout();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var samples = Parse(await response.Content.ReadAsStringAsync().DefaultTimeout());
            if (settled(samples) || deadline.Elapsed > TimeSpan.FromSeconds(10))
            {
                return samples;
            }

            await Task.Delay(20);
        }
    }
}
