using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Testing.V1;

namespace MeshProxy.Benchmarks;

/// <summary>The three payloads of the codec benchmarks: about 100 B, 1 KiB and 100 KiB of protobuf.</summary>
internal static class BenchmarkMessages
{
    public static Everything Create(string size) => size switch
    {
        "100B" => Small(),
        "1KiB" => Medium(),
        "100KiB" => Large(),
        _ => throw new ArgumentOutOfRangeException(nameof(size), size, "expected 100B, 1KiB or 100KiB"),
    };

    private static Everything Small() => new()
    {
        FInt32 = 42,
        FInt64 = 1234567890123,
        FString = "order-7f3a9c",
        FBool = true,
        FColor = Color.Green,
        FDouble = 19.99,
        FNested = new Everything.Types.Nested { A = 7, B = "line item" },
        WTimestamp = new Timestamp { Seconds = 1_732_000_000, Nanos = 500_000_000 },
        RInt32 = { 1, 2, 3, 5, 8, 13 },
        MString = { ["region"] = new Everything.Types.Nested { B = "eu-west-1" } },
    };

    private static Everything Medium()
    {
        var m = Small();
        m.FString = "a somewhat longer description of the order, with some text in it";
        m.FBytes = ByteString.CopyFrom(Enumerable.Range(0, 48).Select(i => (byte)i).ToArray());
        m.RString.Add(Enumerable.Range(0, 16).Select(i => $"tag-number-{i}"));
        m.RDouble.Add(Enumerable.Range(0, 12).Select(i => i * 1.25));
        m.RInt64.Add(Enumerable.Range(0, 12).Select(i => (long)i * 1_000_000_007));
        m.RNested.Add(Enumerable.Range(0, 16).Select(i => new Everything.Types.Nested { A = i, B = $"line item {i}" }));
        m.WDuration = new Duration { Seconds = 30, Nanos = 250_000_000 };
        m.WStruct = new Struct { Fields = { ["retry"] = Value.ForBool(true), ["limit"] = Value.ForNumber(100), ["name"] = Value.ForString("checkout") } };
        m.WInt64 = 99;
        m.PString = "present";
        return m;
    }

    private static Everything Large()
    {
        var m = Medium();
        m.RNested.Add(Enumerable.Range(0, 2400).Select(i => new Everything.Types.Nested { A = i, B = $"item number {i}", Child = new Everything.Types.Nested { A = -i } }));
        m.RInt64.Add(Enumerable.Range(0, 2400).Select(i => (long)i * 7_919));
        for (var i = 0; i < 400; i++)
        {
            m.MInt32[i] = $"value {i}";
        }

        return m;
    }
}
