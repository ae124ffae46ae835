using System.Diagnostics.Metrics;
using System.Text;
using MeshProxy.Observability.Metrics;

namespace MeshProxy.Tests.Observability.Metrics;

public sealed class PrometheusExpositionTests : IDisposable
{
    private readonly Meter _meter = new("test." + Guid.NewGuid());
    private readonly MetricsCollector _collector;

    public PrometheusExpositionTests() => _collector = new MetricsCollector(_meter);

    public void Dispose()
    {
        _collector.Dispose();
        _meter.Dispose();
    }

    [Fact]
    public void Counter_Text_TotalSuffixAndEscapedLabels()
    {
        var counter = _meter.CreateCounter<long>("t_calls", description: "Calls \\ with\nnewline \"quoted\".");
        counter.Add(2, new KeyValuePair<string, object?>("route", "a\"b\\c\nd"));
        counter.Add(3, new KeyValuePair<string, object?>("route", "a\"b\\c\nd"));
        counter.Add(1, new KeyValuePair<string, object?>("route", "plain"));

        Assert.Equal(
            "# HELP t_calls_total Calls \\\\ with\\nnewline \"quoted\".\n"
            + "# TYPE t_calls_total counter\n"
            + "t_calls_total{route=\"a\\\"b\\\\c\\nd\"} 5\n"
            + "t_calls_total{route=\"plain\"} 1\n",
            Scrape(ExpositionFormat.Text));
    }

    [Fact]
    public void Counter_OpenMetrics_FamilyWithoutTotalAndEof()
    {
        var counter = _meter.CreateCounter<long>("t_calls", description: "Say \"hi\".");
        counter.Add(4);

        Assert.Equal(
            "# TYPE t_calls counter\n"
            + "# HELP t_calls Say \\\"hi\\\".\n"
            + "t_calls_total 4\n"
            + "# EOF\n",
            Scrape(ExpositionFormat.OpenMetrics));
    }

    [Fact]
    public void Histogram_Text_CumulativeBucketsInfSumCount()
    {
        var histogram = _meter.CreateHistogram("t_latency_seconds", "s", "Latency.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 1, 2] });
        foreach (var value in new[] { 0.1, 0.5, 0.7, 1.5, 9 })
        {
            histogram.Record(value, new KeyValuePair<string, object?>("route", "r"));
        }

        Assert.Equal(
            "# HELP t_latency_seconds Latency.\n"
            + "# TYPE t_latency_seconds histogram\n"
            + "t_latency_seconds_bucket{route=\"r\",le=\"0.5\"} 2\n"
            + "t_latency_seconds_bucket{route=\"r\",le=\"1\"} 3\n"
            + "t_latency_seconds_bucket{route=\"r\",le=\"2\"} 4\n"
            + "t_latency_seconds_bucket{route=\"r\",le=\"+Inf\"} 5\n"
            + "t_latency_seconds_count{route=\"r\"} 5\n"
            + "t_latency_seconds_sum{route=\"r\"} 11.8\n",
            Scrape(ExpositionFormat.Text));
    }

    [Fact]
    public void Histogram_OpenMetrics_UnitLineAndCanonicalLe()
    {
        var histogram = _meter.CreateHistogram("t_latency_seconds", "s", "Latency.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 1] });
        histogram.Record(0.25);

        var text = Scrape(ExpositionFormat.OpenMetrics);

        Assert.StartsWith("# TYPE t_latency_seconds histogram\n# UNIT t_latency_seconds seconds\n# HELP t_latency_seconds Latency.\n", text, StringComparison.Ordinal);
        Assert.Contains("t_latency_seconds_bucket{le=\"1.0\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("t_latency_seconds_bucket{le=\"+Inf\"} 1\n", text, StringComparison.Ordinal);
        Assert.EndsWith("# EOF\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void InfoGauge_OpenMetrics_IsInfoFamily()
    {
        _meter.CreateObservableGauge("t_build_info", () => new Measurement<long>(1, new KeyValuePair<string, object?>("version", "1.2.3")), description: "Build.");

        Assert.Equal("# TYPE t_build info\n# HELP t_build Build.\nt_build_info{version=\"1.2.3\"} 1\n# EOF\n", Scrape(ExpositionFormat.OpenMetrics));
        Assert.Equal("# HELP t_build_info Build.\n# TYPE t_build_info gauge\nt_build_info{version=\"1.2.3\"} 1\n", Scrape(ExpositionFormat.Text));
    }

    [Fact]
    public void ObservableGauge_LabelSetGone_DisappearsOnNextScrape()
    {
        var routes = new List<string> { "a", "b" };
        _meter.CreateObservableGauge("t_weight", () => routes.Select(r => new Measurement<long>(10, new KeyValuePair<string, object?>("route", r))), description: "W.");
        Assert.Contains("t_weight{route=\"b\"} 10", Scrape(ExpositionFormat.Text), StringComparison.Ordinal);

        routes.Remove("b");

        Assert.DoesNotContain("route=\"b\"", Scrape(ExpositionFormat.Text), StringComparison.Ordinal);
    }

    [Fact]
    public void UpDownCounter_AddsAndSubtracts_GaugeValue()
    {
        var active = _meter.CreateUpDownCounter<long>("t_active", description: "Active.");
        active.Add(3);
        active.Add(-1);

        Assert.Equal("# HELP t_active Active.\n# TYPE t_active gauge\nt_active 2\n", Scrape(ExpositionFormat.Text));
    }

    [Fact]
    public async Task Counter_ConcurrentRecording_LosesNothing()
    {
        var counter = _meter.CreateCounter<long>("t_calls", description: "C.");
        var histogram = _meter.CreateHistogram("t_seconds", "s", "H.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1] });
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                counter.Add(1, new KeyValuePair<string, object?>("route", (i % 3).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                histogram.Record(0.5);
            }
        })));

        var text = Scrape(ExpositionFormat.Text);

        Assert.Contains("t_calls_total{route=\"0\"} 13336\n", text, StringComparison.Ordinal);
        Assert.Contains("t_calls_total{route=\"1\"} 13332\n", text, StringComparison.Ordinal);
        Assert.Contains("t_seconds_count 40000\n", text, StringComparison.Ordinal);
        Assert.Contains("t_seconds_sum 20000\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("text/plain;version=0.0.4", false)]
    [InlineData("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", true)]
    [InlineData("application/openmetrics-text;q=0,text/plain", false)]
    public void Negotiate_Accept_PicksFormat(string? accept, bool openMetrics) =>
        Assert.Equal(openMetrics ? ExpositionFormat.OpenMetrics : ExpositionFormat.Text, PrometheusExposition.Negotiate(accept));

    [Fact]
    public void MeterOfAnotherSidecar_IsNotExposed()
    {
        using var other = new Meter(_meter.Name);
        other.CreateCounter<long>("t_other").Add(1);

        Assert.DoesNotContain("t_other", Scrape(ExpositionFormat.Text), StringComparison.Ordinal);
    }

    private string Scrape(ExpositionFormat format) => _collector.Scrape(families =>
    {
        var output = new StringBuilder();
        PrometheusExposition.Write(output, families, format);
        return output.ToString();
    });
}
