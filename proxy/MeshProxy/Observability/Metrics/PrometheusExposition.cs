using System.Globalization;
using System.Text;

namespace MeshProxy.Observability.Metrics;

/// <summary>
/// Writes metric families as Prometheus text 0.0.4 or OpenMetrics 1.0
/// (https://github.com/prometheus/docs/blob/main/content/docs/instrumenting/exposition_formats.md,
/// https://github.com/OpenObservability/OpenMetrics/blob/main/specification/OpenMetrics.md). The differences that
/// matter: OpenMetrics names a counter's family without <c>_total</c> and its sample with it, has <c>info</c> and
/// <c># UNIT</c>, escapes quotes in HELP, and ends with <c># EOF</c>.
/// </summary>
internal static class PrometheusExposition
{
    public const string TextContentType = "text/plain; version=0.0.4; charset=utf-8";
    public const string OpenMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /// <summary>OpenMetrics when the Accept header offers it with a non-zero quality, else text 0.0.4.</summary>
    public static ExpositionFormat Negotiate(string? accept)
    {
        if (string.IsNullOrEmpty(accept))
        {
            return ExpositionFormat.Text;
        }

        foreach (var range in accept.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = range.Split(';', StringSplitOptions.TrimEntries);
            if (!parts[0].Equals("application/openmetrics-text", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var quality = 1.0;
            foreach (var parameter in parts.AsSpan(1))
            {
                if (parameter.StartsWith("q=", StringComparison.OrdinalIgnoreCase)
                    && double.TryParse(parameter.AsSpan(2), NumberStyles.Float, CultureInfo.InvariantCulture, out var q))
                {
                    quality = q;
                }
            }

            if (quality > 0)
            {
                return ExpositionFormat.OpenMetrics;
            }
        }

        return ExpositionFormat.Text;
    }

    public static string ContentType(ExpositionFormat format) =>
        format == ExpositionFormat.OpenMetrics ? OpenMetricsContentType : TextContentType;

    public static void Write(StringBuilder output, IReadOnlyList<MetricFamily> families, ExpositionFormat format)
    {
        var om = format == ExpositionFormat.OpenMetrics;
        Span<long> cumulative = stackalloc long[64];
        foreach (var family in families)
        {
            var series = family.Snapshot();
            var name = family.Name;
            var unit = UnitSuffix(family.Instrument.Unit, name);
            string familyName, sampleName, type;
            switch (family.Kind)
            {
                case MetricKind.Counter:
                    familyName = om ? name : name + "_total";
                    sampleName = name + "_total";
                    type = "counter";
                    break;
                case MetricKind.Info when om:
                    familyName = name[..^"_info".Length];
                    sampleName = name;
                    type = "info";
                    break;
                case MetricKind.Histogram:
                    familyName = sampleName = name;
                    type = "histogram";
                    break;
                default:
                    familyName = sampleName = name;
                    type = "gauge";
                    break;
            }

            // A family with no series yet is still described, so dashboards and `absent()` see it from the start.
            if (om)
            {
                output.Append("# TYPE ").Append(familyName).Append(' ').Append(type).Append('\n');
                if (unit is not null)
                {
                    output.Append("# UNIT ").Append(familyName).Append(' ').Append(unit).Append('\n');
                }

                output.Append("# HELP ").Append(familyName).Append(' ');
                AppendEscaped(output, family.Help, escapeQuotes: true);
                output.Append('\n');
            }
            else
            {
                output.Append("# HELP ").Append(familyName).Append(' ');
                AppendEscaped(output, family.Help, escapeQuotes: false);
                output.Append('\n');
                output.Append("# TYPE ").Append(familyName).Append(' ').Append(type).Append('\n');
            }

            foreach (var s in series)
            {
                if (family.Kind != MetricKind.Histogram)
                {
                    AppendSample(output, sampleName, s.Key, le: null);
                    AppendValue(output, s.Value, family.Kind == MetricKind.Counter);
                    continue;
                }

                var bounds = family.Bounds;
                var buckets = bounds.Length + 1 <= cumulative.Length ? cumulative[..(bounds.Length + 1)] : new long[bounds.Length + 1];
                s.CopyCumulativeBuckets(buckets);
                for (var i = 0; i < buckets.Length; i++)
                {
                    var le = i < bounds.Length ? FormatBound(bounds[i], om) : "+Inf";
                    AppendSample(output, sampleName + "_bucket", s.Key, le);
                    output.Append(buckets[i].ToString(CultureInfo.InvariantCulture)).Append('\n');
                }

                AppendSample(output, sampleName + "_count", s.Key, le: null);
                output.Append(buckets[^1].ToString(CultureInfo.InvariantCulture)).Append('\n');
                AppendSample(output, sampleName + "_sum", s.Key, le: null);
                AppendValue(output, s.Value, integral: false);
            }
        }

        if (om)
        {
            output.Append("# EOF\n");
        }
    }

    private static void AppendSample(StringBuilder output, string name, SeriesKey key, string? le)
    {
        output.Append(name);
        var labels = key.Labels;
        if (labels.Length > 0 || le is not null)
        {
            output.Append('{');
            var first = true;
            foreach (var (label, value) in labels)
            {
                if (!first)
                {
                    output.Append(',');
                }

                first = false;
                output.Append(label).Append("=\"");
                AppendEscaped(output, value, escapeQuotes: true);
                output.Append('"');
            }

            if (le is not null)
            {
                output.Append(first ? "le=\"" : ",le=\"").Append(le).Append('"');
            }

            output.Append('}');
        }

        output.Append(' ');
    }

    private static void AppendValue(StringBuilder output, double value, bool integral)
    {
        output.Append(FormatValue(value, integral)).Append('\n');
    }

    internal static string FormatValue(double value, bool integral)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsPositiveInfinity(value))
        {
            return "+Inf";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "-Inf";
        }

        return integral && Math.Abs(value) < 9e15 && value == Math.Floor(value)
            ? ((long)value).ToString(CultureInfo.InvariantCulture)
            : value.ToString("R", CultureInfo.InvariantCulture);
    }

    // OpenMetrics wants canonical le values ("1.0", not "1") so that the same bucket always has the same label.
    private static string FormatBound(double bound, bool om)
    {
        var text = bound.ToString("R", CultureInfo.InvariantCulture);
        return om && !text.Contains('.', StringComparison.Ordinal) && !text.Contains('E', StringComparison.Ordinal) ? text + ".0" : text;
    }

    /// <summary>Label values escape backslash, double quote and newline; HELP text escapes backslash and newline (and, in OpenMetrics, quotes).</summary>
    internal static void AppendEscaped(StringBuilder output, string value, bool escapeQuotes)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\':
                    output.Append(@"\\");
                    break;
                case '\n':
                    output.Append(@"\n");
                    break;
                case '"' when escapeQuotes:
                    output.Append("\\\"");
                    break;
                default:
                    output.Append(c);
                    break;
            }
        }
    }

    /// <summary>The OpenMetrics unit of a family, when its name ends with it as the spec requires.</summary>
    private static string? UnitSuffix(string? unit, string name)
    {
        var suffix = unit switch
        {
            "s" => "seconds",
            "By" => "bytes",
            _ => null,
        };
        return suffix is not null && name.EndsWith("_" + suffix, StringComparison.Ordinal) ? suffix : null;
    }
}
