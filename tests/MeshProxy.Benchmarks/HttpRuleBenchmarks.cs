using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using MeshProxy.Transcoding.Descriptors;
using MeshProxy.Transcoding.Rules;
using Microsoft.AspNetCore.Http;

namespace MeshProxy.Benchmarks;

/// <summary>
/// Per-request cost of REST routing: matching a path against every binding of the test protos, and building the request
/// message. Matching should allocate only the captured variables; a 404 nothing.
/// </summary>
[MemoryDiagnoser]
public class HttpRuleBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private HttpRuleTable _table = null!;
    private RuleMatch _getBook;
    private RuleMatch _search;
    private RuleMatch _create;
    private ReadOnlySequence<byte> _createBody;

    [GlobalSetup]
    public void Setup()
    {
        var pool = DescriptorPool.LoadFile(Path.Combine(AppContext.BaseDirectory, "descriptor-set.pb"));
        _table = HttpRuleTableBuilder.Build(pool, HttpRuleOptions.Default, out var errors);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(string.Join('\n', errors));
        }

        _getBook = _table.Match("GET", "/t/v1/shelves/s1/books/b1");
        _search = _table.Match("GET", "/t/v1/books:search");
        _create = _table.Match("POST", "/t/v1/shelves/s1/books");
        _createBody = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("{\"title\": \"Dune\", \"genre\": \"GENRE_FICTION\", \"tags\": [\"sf\", \"classic\"], \"pages\": \"412\"}"));
    }

    [Benchmark(Baseline = true)]
    public object? MatchLiteralAndVariables() => _table.Match("GET", "/t/v1/shelves/s1/books/b1").Binding;

    [Benchmark]
    public object? MatchVerb() => _table.Match("GET", "/t/v1/books:search").Binding;

    [Benchmark]
    public object? MatchNotFound() => _table.Match("GET", "/nowhere/at/all").Binding;

    [Benchmark]
    public object? BuildPathOnly()
    {
        _output.ResetWrittenCount();
        return RequestMessageBuilder.Build(_getBook.Binding!, _getBook.Variables, QueryString.Empty, default, null, RequestBuildOptions.Default, _output);
    }

    [Benchmark]
    public object? BuildQuery()
    {
        _output.ResetWrittenCount();
        return RequestMessageBuilder.Build(
            _search.Binding!, _search.Variables, new QueryString("?query=dune&page_size=10&tags=a&tags=b&genre=GENRE_FICTION"), default, null, RequestBuildOptions.Default, _output);
    }

    [Benchmark]
    public object? BuildBodyField()
    {
        _output.ResetWrittenCount();
        return RequestMessageBuilder.Build(_create.Binding!, _create.Variables, QueryString.Empty, _createBody, "application/json", RequestBuildOptions.Default, _output);
    }
}
