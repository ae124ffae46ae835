using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MeshProxy.Testing.V1;

namespace MeshProxy.Tests.Transcoding;

/// <summary>
/// Seeded random <see cref="Everything"/> messages for differential tests. Values lean on edges (0, extremes,
/// negative, NaN, unicode, empty) so every rule gets exercised. Only values ProtoJSON can represent are produced
/// (for example, Value never holds NaN, timestamps stay within 0001-9999).
/// </summary>
internal sealed class RandomMessages(int seed)
{
    private readonly Random _random = new(seed);

    public Everything Next(int depth = 0)
    {
        var m = new Everything();
        if (Chance(0.7)) { m.FInt32 = Int32(); }
        if (Chance(0.7)) { m.FInt64 = Int64(); }
        if (Chance(0.5)) { m.FUint32 = (uint)Int32(); }
        if (Chance(0.5)) { m.FUint64 = (ulong)Int64(); }
        if (Chance(0.5)) { m.FSint32 = Int32(); }
        if (Chance(0.5)) { m.FSint64 = Int64(); }
        if (Chance(0.5)) { m.FFixed32 = (uint)Int32(); }
        if (Chance(0.5)) { m.FFixed64 = (ulong)Int64(); }
        if (Chance(0.5)) { m.FSfixed32 = Int32(); }
        if (Chance(0.5)) { m.FSfixed64 = Int64(); }
        if (Chance(0.6)) { m.FFloat = Float(); }
        if (Chance(0.6)) { m.FDouble = Double(); }
        if (Chance(0.5)) { m.FBool = Chance(0.5); }
        if (Chance(0.7)) { m.FString = String(); }
        if (Chance(0.5)) { m.FBytes = Bytes(); }
        if (Chance(0.5)) { m.FColor = Color(); }
        if (Chance(0.3)) { m.FLevel = (Everything.Types.Level)_random.Next(0, 4); }
        if (Chance(0.4)) { m.FNested = Nested(0); }
        if (depth < 2 && Chance(0.2)) { m.FRecursive = Next(depth + 1); }

        if (Chance(0.4)) { m.RInt32.Add(Many(Int32)); }
        if (Chance(0.4)) { m.RInt64.Add(Many(Int64)); }
        if (Chance(0.3)) { m.RUint32.Add(Many(() => (uint)Int32())); }
        if (Chance(0.3)) { m.RUint64.Add(Many(() => (ulong)Int64())); }
        if (Chance(0.3)) { m.RSint32.Add(Many(Int32)); }
        if (Chance(0.3)) { m.RSint64.Add(Many(Int64)); }
        if (Chance(0.3)) { m.RFixed32.Add(Many(() => (uint)Int32())); }
        if (Chance(0.3)) { m.RFixed64.Add(Many(() => (ulong)Int64())); }
        if (Chance(0.3)) { m.RSfixed32.Add(Many(Int32)); }
        if (Chance(0.3)) { m.RSfixed64.Add(Many(Int64)); }
        if (Chance(0.3)) { m.RFloat.Add(Many(Float)); }
        if (Chance(0.3)) { m.RDouble.Add(Many(Double)); }
        if (Chance(0.3)) { m.RBool.Add(Many(() => Chance(0.5))); }
        if (Chance(0.4)) { m.RString.Add(Many(String)); }
        if (Chance(0.3)) { m.RBytes.Add(Many(Bytes)); }
        if (Chance(0.3)) { m.RColor.Add(Many(Color)); }
        if (Chance(0.3)) { m.RNested.Add(Many(() => Nested(0))); }
        if (Chance(0.3)) { m.RUnpackedInt32.Add(Many(Int32)); }
        if (Chance(0.3)) { m.RUnpackedDouble.Add(Many(Double)); }
        if (Chance(0.3)) { m.RUnpackedColor.Add(Many(Color)); }

        if (Chance(0.3)) { Fill(m.MInt32, Int32, String); }
        if (Chance(0.3)) { Fill(m.MInt64, Int64, Int32); }
        if (Chance(0.3)) { Fill(m.MUint32, () => (uint)Int32(), Bytes); }
        if (Chance(0.3)) { Fill(m.MUint64, () => (ulong)Int64(), Double); }
        if (Chance(0.3)) { Fill(m.MSint32, Int32, Color); }
        if (Chance(0.3)) { Fill(m.MSint64, Int64, Float); }
        if (Chance(0.3)) { Fill(m.MFixed32, () => (uint)Int32(), () => Chance(0.5)); }
        if (Chance(0.3)) { Fill(m.MFixed64, () => (ulong)Int64(), Int64); }
        if (Chance(0.3)) { Fill(m.MSfixed32, Int32, () => (ulong)Int64()); }
        if (Chance(0.3)) { Fill(m.MSfixed64, Int64, () => Nested(0)); }
        if (Chance(0.3)) { Fill(m.MBool, () => Chance(0.5), String); }
        if (Chance(0.3)) { Fill(m.MString, String, () => Nested(0)); }
        if (Chance(0.3)) { Fill(m.MValue, String, () => JsonValue(0)); }

        switch (_random.Next(7))
        {
            case 0: m.OInt32 = Int32(); break;
            case 1: m.OString = String(); break;
            case 2: m.ONested = Nested(0); break;
            case 3: m.OColor = Color(); break;
            case 4: m.ONull = NullValue.NullValue; break;
        }

        if (Chance(0.3)) { m.PInt32 = Int32(); }
        if (Chance(0.3)) { m.PString = String(); }
        if (Chance(0.3)) { m.PColor = Color(); }
        if (Chance(0.3)) { m.PDouble = Double(); }

        if (Chance(0.3)) { m.WAny = AnyValue(); }
        if (Chance(0.4)) { m.WTimestamp = TimestampValue(); }
        if (Chance(0.4)) { m.WDuration = DurationValue(); }
        if (Chance(0.3)) { m.WFieldMask = FieldMaskValue(); }
        if (Chance(0.3)) { m.WStruct = StructValue(0); }
        if (Chance(0.3)) { m.WValue = JsonValue(0); }
        if (Chance(0.3)) { m.WListValue = ListValueValue(0); }
        if (Chance(0.3)) { m.WNullValue = NullValue.NullValue; }
        if (Chance(0.2)) { m.WEmpty = new Empty(); }
        if (Chance(0.3)) { m.WDouble = Double(); }
        if (Chance(0.3)) { m.WFloat = Float(); }
        if (Chance(0.3)) { m.WInt64 = Int64(); }
        if (Chance(0.3)) { m.WUint64 = (ulong)Int64(); }
        if (Chance(0.3)) { m.WInt32 = Int32(); }
        if (Chance(0.3)) { m.WUint32 = (uint)Int32(); }
        if (Chance(0.3)) { m.WBool = Chance(0.5); }
        if (Chance(0.3)) { m.WString = String(); }
        if (Chance(0.3)) { m.WBytes = Bytes(); }
        if (Chance(0.2)) { m.RAny.Add(Many(AnyValue)); }
        if (Chance(0.2)) { m.RTimestamp.Add(Many(TimestampValue)); }
        if (Chance(0.2)) { m.RValue.Add(Many(() => JsonValue(1))); }
        if (Chance(0.2)) { m.RWrappedInt32.Add(Many(() => (int?)Int32())); }
        if (Chance(0.3)) { m.Renamed = Int32(); }
        return m;
    }

    private bool Chance(double p) => _random.NextDouble() < p;

    private List<T> Many<T>(Func<T> next)
    {
        var count = _random.Next(0, 6);
        var list = new List<T>(count);
        for (var i = 0; i < count; i++)
        {
            list.Add(next());
        }

        return list;
    }

    private void Fill<TKey, TValue>(Google.Protobuf.Collections.MapField<TKey, TValue> map, Func<TKey> key, Func<TValue> value)
        where TKey : notnull
    {
        var count = _random.Next(0, 5);
        for (var i = 0; i < count; i++)
        {
            map[key()] = value();
        }
    }

    private int Int32() => _random.Next(6) switch
    {
        0 => 0,
        1 => int.MaxValue,
        2 => int.MinValue,
        3 => _random.Next(-200, 200),
        _ => _random.Next(int.MinValue, int.MaxValue),
    };

    private long Int64() => _random.Next(6) switch
    {
        0 => 0,
        1 => long.MaxValue,
        2 => long.MinValue,
        3 => _random.Next(-200, 200),
        4 => (1L << 53) + 1,
        _ => _random.NextInt64(long.MinValue, long.MaxValue),
    };

    private float Float() => _random.Next(8) switch
    {
        0 => 0,
        1 => float.NaN,
        2 => float.PositiveInfinity,
        3 => float.NegativeInfinity,
        4 => float.MaxValue,
        5 => float.Epsilon,
        _ => (float)((_random.NextDouble() - 0.5) * Math.Pow(10, _random.Next(-10, 10))),
    };

    private double Double() => _random.Next(8) switch
    {
        0 => 0,
        1 => double.NaN,
        2 => double.PositiveInfinity,
        3 => double.NegativeInfinity,
        4 => double.MaxValue,
        5 => double.Epsilon,
        _ => (_random.NextDouble() - 0.5) * Math.Pow(10, _random.Next(-300, 300)),
    };

    private string String() => _random.Next(6) switch
    {
        0 => string.Empty,
        1 => "héllo wörld ✓ 𝄞",
        2 => "quote \" backslash \\ newline \n tab \t nul \0 <>&'",
        3 => "\u2028\u2029\u007f",
        _ => new string(Enumerable.Range(0, _random.Next(1, 12)).Select(_ => (char)_random.Next('a', 'z' + 1)).ToArray()),
    };

    private ByteString Bytes()
    {
        var bytes = new byte[_random.Next(0, 10)];
        _random.NextBytes(bytes);
        return ByteString.CopyFrom(bytes);
    }

    private Color Color() => _random.Next(6) switch
    {
        0 => MeshProxy.Testing.V1.Color.Unspecified,
        1 => MeshProxy.Testing.V1.Color.Red,
        2 => MeshProxy.Testing.V1.Color.Green,
        3 => MeshProxy.Testing.V1.Color.Blue,
        // Open enums keep unknown numbers.
        _ => (Color)_random.Next(5, 100),
    };

    private Everything.Types.Nested Nested(int depth)
    {
        var n = new Everything.Types.Nested();
        if (Chance(0.7)) { n.A = Int32(); }
        if (Chance(0.7)) { n.B = String(); }
        if (depth < 3 && Chance(0.3)) { n.Child = Nested(depth + 1); }
        return n;
    }

    private Any AnyValue() => _random.Next(6) switch
    {
        0 => Any.Pack(new Small { Id = String(), Amount = Int64(), Active = Chance(0.5), Color = Color() }),
        1 => Any.Pack(TimestampValue()),
        2 => Any.Pack(DurationValue()),
        3 => Any.Pack(StructValue(1)),
        4 => Any.Pack(new Int32Value { Value = Int32() }),
        _ => Any.Pack(Any.Pack(new Small { Id = "inner" })),
    };

    private Timestamp TimestampValue()
    {
        var seconds = _random.NextInt64(-62135596800, 253402300799 + 1);
        var nanos = _random.Next(4) switch
        {
            0 => 0,
            1 => _random.Next(0, 1000) * 1_000_000,
            2 => _random.Next(0, 1_000_000) * 1_000,
            _ => _random.Next(0, 1_000_000_000),
        };
        return new Timestamp { Seconds = seconds, Nanos = nanos };
    }

    private Duration DurationValue()
    {
        var seconds = _random.NextInt64(-315576000000, 315576000000 + 1);
        var nanos = _random.Next(0, 1_000_000_000);
        if (_random.Next(3) == 0)
        {
            nanos = 0;
        }

        if (seconds < 0)
        {
            nanos = -nanos;
        }
        else if (seconds == 0 && Chance(0.5))
        {
            nanos = -nanos;
        }

        return new Duration { Seconds = seconds, Nanos = nanos };
    }

    private FieldMask FieldMaskValue()
    {
        var mask = new FieldMask();
        mask.Paths.Add(Many(() => _random.Next(3) switch
        {
            0 => "f_int32",
            1 => "f_nested.child.a",
            _ => "w_timestamp",
        }));
        return mask;
    }

    private Struct StructValue(int depth)
    {
        var s = new Struct();
        var count = _random.Next(0, 4);
        for (var i = 0; i < count; i++)
        {
            // Google.Protobuf refuses empty Struct keys (a deviation, see docs/protojson.md), so keys are never empty here.
            s.Fields["k" + String()] = JsonValue(depth + 1);
        }

        return s;
    }

    private ListValue ListValueValue(int depth)
    {
        var list = new ListValue();
        list.Values.Add(Many(() => JsonValue(depth + 1)));
        return list;
    }

    private Value JsonValue(int depth) => _random.Next(depth > 2 ? 4 : 6) switch
    {
        0 => Value.ForNull(),
        1 => Value.ForNumber(_random.Next(2) == 0 ? _random.Next(-1000, 1000) : (_random.NextDouble() - 0.5) * 1e10),
        2 => Value.ForString(String()),
        3 => Value.ForBool(Chance(0.5)),
        4 => Value.ForStruct(StructValue(depth + 1)),
        _ => Value.ForList(Many(() => JsonValue(depth + 1)).ToArray()),
    };
}
