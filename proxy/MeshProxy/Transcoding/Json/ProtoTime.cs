namespace MeshProxy.Transcoding.Json;

/// <summary>
/// Timestamp and Duration text forms (protobuf.dev, "ProtoJSON format": Timestamp is RFC 3339 with a "Z" or offset on
/// input, "Z" and 0, 3, 6 or 9 fraction digits on output, years 0001-9999; Duration is decimal seconds with an "s"
/// suffix, same digits rule, within ±315,576,000,000 s). Grammar accepted on input:
/// <code>
/// timestamp = date "T" time [ "." 1*9DIGIT ] ( "Z" / ( "+" / "-" ) 2DIGIT ":" 2DIGIT )
/// duration  = [ "-" ] 1*DIGIT [ "." 1*9DIGIT ] "s"
/// </code>
/// </summary>
internal static class ProtoTime
{
    public const long MinTimestampSeconds = -62135596800; // 0001-01-01T00:00:00Z
    public const long MaxTimestampSeconds = 253402300799; // 9999-12-31T23:59:59Z
    public const long MaxDurationSeconds = 315576000000;

    public static bool TryParseTimestamp(ReadOnlySpan<byte> s, out long seconds, out int nanos)
    {
        seconds = 0;
        nanos = 0;
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        {
            return false;
        }

        if (!TryDigits(s.Slice(0, 4), out var year) || !TryDigits(s.Slice(5, 2), out var month) || !TryDigits(s.Slice(8, 2), out var day)
            || !TryDigits(s.Slice(11, 2), out var hour) || !TryDigits(s.Slice(14, 2), out var minute) || !TryDigits(s.Slice(17, 2), out var second))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var rest = s[19..];
        if (rest.Length > 0 && rest[0] == '.')
        {
            if (!TryFraction(ref rest, out nanos))
            {
                return false;
            }
        }

        long offset;
        if (rest.Length == 1 && rest[0] == 'Z')
        {
            offset = 0;
        }
        else if (rest.Length == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':'
                 && TryDigits(rest.Slice(1, 2), out var offsetHours) && TryDigits(rest.Slice(4, 2), out var offsetMinutes)
                 && offsetHours <= 23 && offsetMinutes <= 59)
        {
            offset = ((offsetHours * 60) + offsetMinutes) * 60L * (rest[0] == '-' ? -1 : 1);
        }
        else
        {
            return false;
        }

        seconds = (DaysFromCivil(year, month, day) * 86400L) + (hour * 3600L) + (minute * 60L) + second - offset;
        return seconds is >= MinTimestampSeconds and <= MaxTimestampSeconds;
    }

    public static bool IsValidTimestamp(long seconds, int nanos) =>
        seconds is >= MinTimestampSeconds and <= MaxTimestampSeconds && nanos is >= 0 and <= 999_999_999;

    /// <summary>Formats a valid timestamp (check <see cref="IsValidTimestamp"/> first); returns the bytes written.</summary>
    public static int FormatTimestamp(long seconds, int nanos, Span<byte> destination)
    {
        var days = Math.DivRem(seconds, 86400L, out var secondOfDay);
        if (secondOfDay < 0)
        {
            secondOfDay += 86400;
            days--;
        }

        CivilFromDays(days, out var year, out var month, out var day);
        var p = 0;
        WriteDigits(destination, ref p, year, 4);
        destination[p++] = (byte)'-';
        WriteDigits(destination, ref p, month, 2);
        destination[p++] = (byte)'-';
        WriteDigits(destination, ref p, day, 2);
        destination[p++] = (byte)'T';
        WriteDigits(destination, ref p, (int)(secondOfDay / 3600), 2);
        destination[p++] = (byte)':';
        WriteDigits(destination, ref p, (int)(secondOfDay / 60 % 60), 2);
        destination[p++] = (byte)':';
        WriteDigits(destination, ref p, (int)(secondOfDay % 60), 2);
        WriteFraction(destination, ref p, nanos);
        destination[p++] = (byte)'Z';
        return p;
    }

    public static bool TryParseDuration(ReadOnlySpan<byte> s, out long seconds, out int nanos)
    {
        seconds = 0;
        nanos = 0;
        if (s.Length < 2 || s[^1] != 's')
        {
            return false;
        }

        s = s[..^1];
        var negative = s[0] == '-';
        if (negative)
        {
            s = s[1..];
        }

        var digits = 0;
        while (digits < s.Length && (uint)(s[digits] - '0') <= 9)
        {
            digits++;
        }

        if (digits == 0 || digits > 12)
        {
            return false;
        }

        for (var i = 0; i < digits; i++)
        {
            seconds = (seconds * 10) + (s[i] - '0');
        }

        var rest = s[digits..];
        if (rest.Length > 0 && (rest[0] != '.' || !TryFraction(ref rest, out nanos) || rest.Length != 0))
        {
            return false;
        }

        if (seconds > MaxDurationSeconds)
        {
            return false;
        }

        if (negative)
        {
            seconds = -seconds;
            nanos = -nanos;
        }

        return true;
    }

    public static bool IsValidDuration(long seconds, int nanos) =>
        seconds is >= -MaxDurationSeconds and <= MaxDurationSeconds
        && nanos is >= -999_999_999 and <= 999_999_999
        && !(seconds < 0 && nanos > 0) && !(seconds > 0 && nanos < 0);

    public static int FormatDuration(long seconds, int nanos, Span<byte> destination)
    {
        var p = 0;
        if (seconds < 0 || nanos < 0)
        {
            destination[p++] = (byte)'-';
            seconds = -seconds;
            nanos = -nanos;
        }

        System.Buffers.Text.Utf8Formatter.TryFormat(seconds, destination[p..], out var written);
        p += written;
        WriteFraction(destination, ref p, nanos);
        destination[p++] = (byte)'s';
        return p;
    }

    private static bool TryFraction(ref ReadOnlySpan<byte> rest, out int nanos)
    {
        // rest starts with '.'; 1 to 9 digits follow.
        nanos = 0;
        var i = 1;
        while (i < rest.Length && (uint)(rest[i] - '0') <= 9)
        {
            i++;
        }

        var count = i - 1;
        if (count is 0 or > 9)
        {
            return false;
        }

        for (var k = 1; k <= 9; k++)
        {
            nanos = (nanos * 10) + (k <= count ? rest[k] - '0' : 0);
        }

        rest = rest[i..];
        return true;
    }

    private static void WriteFraction(Span<byte> destination, ref int p, int nanos)
    {
        if (nanos == 0)
        {
            return;
        }

        destination[p++] = (byte)'.';
        if (nanos % 1_000_000 == 0)
        {
            WriteDigits(destination, ref p, nanos / 1_000_000, 3);
        }
        else if (nanos % 1_000 == 0)
        {
            WriteDigits(destination, ref p, nanos / 1_000, 6);
        }
        else
        {
            WriteDigits(destination, ref p, nanos, 9);
        }
    }

    private static bool TryDigits(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        foreach (var c in s)
        {
            if ((uint)(c - '0') > 9)
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }

    private static void WriteDigits(Span<byte> destination, ref int p, int value, int width)
    {
        for (var i = width - 1; i >= 0; i--)
        {
            destination[p + i] = (byte)('0' + (value % 10));
            value /= 10;
        }

        p += width;
    }

    // Howard Hinnant's days_from_civil / civil_from_days: proleptic Gregorian calendar, day 0 = 1970-01-01.
    private static long DaysFromCivil(int y, int m, int d)
    {
        y -= m <= 2 ? 1 : 0;
        var era = (y >= 0 ? y : y - 399) / 400;
        var yoe = y - (era * 400);
        var doy = (((153 * (m + (m > 2 ? -3 : 9))) + 2) / 5) + d - 1;
        var doe = (yoe * 365) + (yoe / 4) - (yoe / 100) + doy;
        return (era * 146097L) + doe - 719468;
    }

    private static void CivilFromDays(long z, out int year, out int month, out int day)
    {
        z += 719468;
        var era = (z >= 0 ? z : z - 146096) / 146097;
        var doe = z - (era * 146097);
        var yoe = (doe - (doe / 1460) + (doe / 36524) - (doe / 146096)) / 365;
        var y = yoe + (era * 400);
        var doy = doe - ((365 * yoe) + (yoe / 4) - (yoe / 100));
        var mp = ((5 * doy) + 2) / 153;
        day = (int)(doy - (((153 * mp) + 2) / 5) + 1);
        month = (int)(mp < 10 ? mp + 3 : mp - 9);
        year = (int)(y + (month <= 2 ? 1 : 0));
    }
}
