using MeshProxy.Transcoding.Rest;
using Microsoft.AspNetCore.Http.Features;

namespace MeshProxy.Tests.Transcoding.Rest;

public sealed class InnerFeatureCollectionTests
{
    [Fact]
    public void Get_OwnFeatureWinsOverTheCallersAndRemovingItFallsBackToTheCallers()
    {
        var outer = new FeatureCollection();
        outer.Set<IHttpResponseFeature>(new HttpResponseFeature { StatusCode = 1 });
        outer.Set<IHttpRequestFeature>(new HttpRequestFeature { Path = "/outer" });
        var inner = new InnerFeatureCollection(outer);
        var own = new HttpResponseFeature { StatusCode = 2 };

        inner.Set<IHttpResponseFeature>(own);

        Assert.Same(own, inner.Get<IHttpResponseFeature>());
        Assert.Equal("/outer", inner.Get<IHttpRequestFeature>()!.Path);
        Assert.Equal(1, outer.Get<IHttpResponseFeature>()!.StatusCode);

        inner.Set<IHttpResponseFeature>(null);
        Assert.Equal(1, inner.Get<IHttpResponseFeature>()!.StatusCode);
    }

    [Fact]
    public void Revision_MovesWithEverySetAndWithTheCallersChanges()
    {
        var outer = new FeatureCollection();
        var inner = new InnerFeatureCollection(outer);
        var start = inner.Revision;

        inner.Set<IHttpResponseFeature>(new HttpResponseFeature());
        var afterOwn = inner.Revision;
        outer.Set<IHttpRequestFeature>(new HttpRequestFeature());

        Assert.NotEqual(start, afterOwn);
        Assert.NotEqual(afterOwn, inner.Revision);
    }

    // More features than the array is sized for: none is lost when it grows, and a removal keeps the others.
    [Fact]
    public void ManyFeatures_EveryOneKeptThroughGrowthAndRemoval()
    {
        var inner = new InnerFeatureCollection(new FeatureCollection());
        var types = typeof(object).Assembly.GetExportedTypes().Where(t => t.IsInterface).Take(40).ToArray();
        Assert.Equal(40, types.Length);
        foreach (var type in types)
        {
            inner[type] = type.Name;
        }

        inner[types[3]] = null;

        Assert.Null(inner[types[3]]);
        Assert.All(types.Where((_, i) => i != 3), t => Assert.Equal(t.Name, inner[t]));
        Assert.Equal(39, inner.Count());
    }

    [Fact]
    public void Enumeration_OwnFeaturesThenTheCallersNotOverridden()
    {
        var outer = new FeatureCollection();
        outer.Set<IHttpResponseFeature>(new HttpResponseFeature());
        outer.Set<IHttpRequestFeature>(new HttpRequestFeature());
        var inner = new InnerFeatureCollection(outer);
        var own = new HttpResponseFeature();
        inner.Set<IHttpResponseFeature>(own);

        var all = inner.ToList();

        Assert.Equal(2, all.Count);
        Assert.Same(own, all[0].Value);
        Assert.Equal(typeof(IHttpRequestFeature), all[1].Key);
    }
}
