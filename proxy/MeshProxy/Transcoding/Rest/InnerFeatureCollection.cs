using System.Collections;
using Microsoft.AspNetCore.Http.Features;

namespace MeshProxy.Transcoding.Rest;

/// <summary>
/// The features of an inner gRPC call: its own over the caller's, as <see cref="FeatureCollection"/> with defaults
/// would hold them, but in one array sized for what a call sets (the dozen the layered context replaces and the few
/// the pipeline adds). <see cref="FeatureCollection"/> starts its dictionary empty and regrew it three times per
/// call, 0.8 KB of each REST call's allocations; a linear search of under twenty references is as cheap as its hash lookup,
/// and <see cref="Microsoft.AspNetCore.Http.DefaultHttpContext"/> caches what it looks up by <see cref="Revision"/>.
/// </summary>
internal sealed class InnerFeatureCollection(IFeatureCollection outer) : IFeatureCollection
{
    private const int ExpectedFeatures = 20;

    private KeyValuePair<Type, object>[] _own = new KeyValuePair<Type, object>[ExpectedFeatures];
    private int _count;
    private int _revision;

    public bool IsReadOnly => false;

    public int Revision => _revision + outer.Revision;

    public object? this[Type key]
    {
        get
        {
            var index = IndexOf(key);
            return index >= 0 ? _own[index].Value : outer[key];
        }

        set
        {
            var index = IndexOf(key);
            if (value is null)
            {
                if (index >= 0)
                {
                    _count--;
                    _own[index] = _own[_count];
                    _own[_count] = default;
                    _revision++;
                }

                return;
            }

            if (index < 0)
            {
                if (_count == _own.Length)
                {
                    Array.Resize(ref _own, _own.Length * 2);
                }

                index = _count++;
            }

            _own[index] = new KeyValuePair<Type, object>(key, value);
            _revision++;
        }
    }

    public TFeature? Get<TFeature>() => (TFeature?)this[typeof(TFeature)];

    public void Set<TFeature>(TFeature? instance) => this[typeof(TFeature)] = instance;

    public IEnumerator<KeyValuePair<Type, object>> GetEnumerator()
    {
        for (var i = 0; i < _count; i++)
        {
            yield return _own[i];
        }

        foreach (var feature in outer)
        {
            if (IndexOf(feature.Key) < 0)
            {
                yield return feature;
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int IndexOf(Type key)
    {
        for (var i = 0; i < _count; i++)
        {
            if (ReferenceEquals(_own[i].Key, key))
            {
                return i;
            }
        }

        return -1;
    }
}
