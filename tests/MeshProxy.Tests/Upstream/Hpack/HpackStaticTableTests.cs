using System.Text;
using MeshProxy.Upstream.Hpack;

namespace MeshProxy.Tests.Upstream.Hpack;

public sealed class HpackStaticTableTests
{
    public static TheoryData<int> Entries => [.. Enumerable.Range(1, HpackStaticTable.Count)];

    [Theory]
    [MemberData(nameof(Entries))]
    public void FindChars_EveryEntry_IsFoundByNameAndValue_AndItsNameByNameAlone(int index)
    {
        var name = Encoding.ASCII.GetString(HpackStaticTable.GetName(index));
        var value = Encoding.ASCII.GetString(HpackStaticTable.GetValue(index));
        var firstOfName = Enumerable.Range(1, HpackStaticTable.Count).First(i => HpackStaticTable.GetName(i).SequenceEqual(HpackStaticTable.GetName(index)));

        Assert.Equal(index, HpackStaticTable.Find(name.AsSpan(), value.AsSpan(), out var nameIndex));
        Assert.Equal(firstOfName, nameIndex);

        // A value no entry has (one char more, or its last char changed, also to a Latin-1 letter): the name alone.
        Assert.Equal(0, HpackStaticTable.Find(name.AsSpan(), (value + "x").AsSpan(), out nameIndex));
        Assert.Equal(firstOfName, nameIndex);
        if (value.Length > 0)
        {
            Assert.Equal(0, HpackStaticTable.Find(name.AsSpan(), (value[..^1] + "\u00e9").AsSpan(), out nameIndex));
            Assert.Equal(firstOfName, nameIndex);
        }

        // A name that differs in its last char, or only in case: neither.
        foreach (var other in new[] { name[..^1] + "\u00e9", name[..^1] + (char)(name[^1] ^ 0x01), name.ToUpperInvariant() })
        {
            Assert.Equal(0, HpackStaticTable.Find(other.AsSpan(), value.AsSpan(), out nameIndex));
            Assert.Equal(0, nameIndex);
        }
    }
}
