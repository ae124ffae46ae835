using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MeshProxy.FunctionalTests.Transcoding.Oracle;

/// <summary>
/// JSON compared by meaning: object keys in any order, numbers by value (<c>1.0</c> equals <c>1</c>, <c>1e2</c> equals
/// <c>100</c>), strings by content whatever their escaping. A body holds one JSON value or several in a row
/// (newline-delimited or concatenated, as server streams are written).
/// </summary>
internal static class OracleJson
{
    /// <summary>Each top-level value of <paramref name="body"/> in canonical form; null when it is not JSON (or empty).</summary>
    public static IReadOnlyList<string>? Values(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        var values = new List<string>();
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(body), new JsonReaderOptions { AllowMultipleValues = true });
        try
        {
            while (reader.Read())
            {
                using var document = JsonDocument.ParseValue(ref reader);
                values.Add(Canonical(document.RootElement));
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return values;
    }

    public static string Canonical(JsonElement element)
    {
        var text = new StringBuilder();
        Write(element, text);
        return text.ToString();
    }

    private static void Write(JsonElement element, StringBuilder text)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                var first = true;
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    text.Append(first ? string.Empty : ",").Append(JsonSerializer.Serialize(property.Name)).Append(':');
                    Write(property.Value, text);
                    first = false;
                }

                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[');
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    text.Append(index++ == 0 ? string.Empty : ",");
                    Write(item, text);
                }

                text.Append(']');
                break;
            case JsonValueKind.Number:
                // decimal keeps 64-bit integers exact; beyond its range, double is as exact as JSON numbers get.
                text.Append(element.TryGetDecimal(out var exact)
                    ? (exact / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture)
                    : element.GetDouble().ToString("R", CultureInfo.InvariantCulture));
                break;
            case JsonValueKind.String:
                text.Append(JsonSerializer.Serialize(element.GetString()));
                break;
            default:
                text.Append(element.GetRawText());
                break;
        }
    }
}
