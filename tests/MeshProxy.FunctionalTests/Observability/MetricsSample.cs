using System.Globalization;

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
}
