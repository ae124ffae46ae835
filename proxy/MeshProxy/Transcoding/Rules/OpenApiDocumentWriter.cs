using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MeshProxy.Transcoding.Descriptors;

namespace MeshProxy.Transcoding.Rules;

/// <summary>
/// Writes an OpenAPI 3.1 document (JSON) for every binding of an <see cref="HttpRuleTable"/>: one operation per binding,
/// path and query parameters per http.proto's binding rules, request and response bodies, and component schemas of the
/// messages in their ProtoJSON form (protobuf.dev, "ProtoJSON format"). Descriptions come from the proto comments kept in
/// the descriptor set's SourceCodeInfo. Runs at load or on demand, never per request.
/// </summary>
internal static class OpenApiDocumentWriter
{
    private const string StatusSchema = "google.rpc.Status";

    // OpenAPI 3.1 "Path Item Object": a custom HTTP method other than these has no place in the document.
    private static readonly HashSet<string> OperationMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Write(HttpRuleTable table, string title, string? serverUrl)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(title);
        var schemas = new OpenApiSchemaCollector();
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("openapi", "3.1.0");
            writer.WriteStartObject("info");
            writer.WriteString("title", title);
            writer.WriteString("version", "1.0.0");
            writer.WriteEndObject();
            if (!string.IsNullOrEmpty(serverUrl))
            {
                writer.WriteStartArray("servers");
                writer.WriteStartObject();
                writer.WriteString("url", serverUrl);
                writer.WriteEndObject();
                writer.WriteEndArray();
            }

            WriteTags(writer, table);
            WritePaths(writer, table, schemas);
            writer.WriteStartObject("components");
            writer.WriteStartObject("schemas");
            schemas.WriteAll(writer);
            WriteStatusSchema(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static void WriteTags(Utf8JsonWriter writer, HttpRuleTable table)
    {
        writer.WriteStartArray("tags");
        foreach (var service in table.Bindings.Select(b => b.ServiceName).Distinct(StringComparer.Ordinal))
        {
            writer.WriteStartObject();
            writer.WriteString("name", service);
            var description = table.Pool.FindService(service)?.Declaration?.LeadingComments?.Trim();
            if (!string.IsNullOrEmpty(description))
            {
                writer.WriteString("description", description);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WritePaths(Utf8JsonWriter writer, HttpRuleTable table, OpenApiSchemaCollector schemas)
    {
        // OpenAPI keys operations by path then method: group the bindings, first come first kept on a clash
        // (two templates that differ only inside a variable's pattern render to the same OpenAPI path).
        var byPath = new Dictionary<string, List<(RouteEntry Entry, string OperationId)>>(StringComparer.Ordinal);
        var order = new List<string>();
        var operationIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in table.Entries)
        {
            var path = OpenApiPath(entry.Template);
            if (!byPath.TryGetValue(path, out var operations))
            {
                byPath[path] = operations = [];
                order.Add(path);
            }

            var method = entry.Binding.HttpMethod.ToLowerInvariant();
            if (!OperationMethods.Contains(method) || operations.Any(o => o.Entry.Binding.HttpMethod.Equals(method, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            operations.Add((entry, UniqueOperationId(entry.Binding, operationIds)));
        }

        writer.WriteStartObject("paths");
        foreach (var path in order)
        {
            writer.WriteStartObject(path);
            foreach (var (entry, operationId) in byPath[path])
            {
                WriteOperation(writer, entry, operationId, schemas);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static string UniqueOperationId(HttpBinding binding, HashSet<string> used)
    {
        var service = binding.ServiceName[(binding.ServiceName.LastIndexOf('.') + 1)..];
        var id = binding.BindingIndex == 0 ? $"{service}_{binding.MethodName}" : $"{service}_{binding.MethodName}_{binding.BindingIndex}";
        var candidate = id;
        for (var i = 2; !used.Add(candidate); i++)
        {
            candidate = $"{id}{i}";
        }

        return candidate;
    }

    /// <summary>The template in OpenAPI path syntax: a variable becomes <c>{field.path}</c> whatever its pattern;
    /// wildcards outside variables become placeholder parameters (<c>{_segment1}</c>, <c>{_path1}</c>).</summary>
    internal static string OpenApiPath(PathTemplate template)
    {
        var builder = new StringBuilder();
        var placeholder = 0;
        var segment = 0;
        foreach (var variable in template.Variables.Append(null))
        {
            var until = variable?.Start ?? template.Segments.Count;
            for (; segment < until; segment++)
            {
                var s = template.Segments[segment];
                builder.Append('/');
                builder.Append(s.Kind switch
                {
                    SegmentKind.Literal => s.Literal,
                    SegmentKind.Wildcard => $"{{_segment{++placeholder}}}",
                    _ => $"{{_path{++placeholder}}}",
                });
            }

            if (variable is not null)
            {
                builder.Append("/{").Append(variable.FieldPathText).Append('}');
                segment = variable.End;
            }
        }

        if (template.Verb is not null)
        {
            builder.Append(':').Append(template.Verb);
        }

        return builder.Length == 0 ? "/" : builder.ToString();
    }

    private static void WriteOperation(Utf8JsonWriter writer, RouteEntry entry, string operationId, OpenApiSchemaCollector schemas)
    {
        var binding = entry.Binding;
        writer.WriteStartObject(binding.HttpMethod.ToLowerInvariant());
        writer.WriteString("operationId", operationId);
        writer.WriteStartArray("tags");
        writer.WriteStringValue(binding.ServiceName);
        writer.WriteEndArray();
        if (binding.Description.Length > 0)
        {
            var firstLine = binding.Description.Split('\n', 2)[0].Trim();
            writer.WriteString("summary", firstLine);
            writer.WriteString("description", binding.Description);
        }

        WriteParameters(writer, entry, schemas);
        if (binding.HasBody)
        {
            WriteRequestBody(writer, binding, schemas);
        }

        writer.WriteStartObject("responses");
        WriteSuccessResponse(writer, binding, schemas);
        writer.WriteStartObject("default");
        writer.WriteString("description", "An error: the gRPC status as JSON.");
        writer.WriteStartObject("content");
        writer.WriteStartObject("application/json");
        writer.WriteStartObject("schema");
        writer.WriteString("$ref", Ref(StatusSchema));
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteParameters(Utf8JsonWriter writer, RouteEntry entry, OpenApiSchemaCollector schemas)
    {
        var binding = entry.Binding;
        writer.WriteStartArray("parameters");
        var template = entry.Template;
        var placeholder = 0;
        var segment = 0;
        for (var v = 0; v <= template.Variables.Count; v++)
        {
            var variable = v < template.Variables.Count ? template.Variables[v] : null;
            var until = variable?.Start ?? template.Segments.Count;
            for (; segment < until; segment++)
            {
                var kind = template.Segments[segment].Kind;
                if (kind != SegmentKind.Literal)
                {
                    var name = kind == SegmentKind.Wildcard ? $"_segment{++placeholder}" : $"_path{++placeholder}";
                    WritePathParameter(writer, name, kind == SegmentKind.Wildcard ? "Any one path segment (not used)." : "Any path segments (not used).", null, schemas);
                }
            }

            if (variable is not null)
            {
                var fields = entry.VariableFields[v];
                var description = OpenApiSchemaCollector.FieldDescription(fields[^1]);
                var pattern = VariablePattern(template, variable);
                if (pattern is not null)
                {
                    var shape = string.Join('/', template.Segments.Skip(variable.Start).Take(variable.End - variable.Start));
                    description = $"{description}{(description.Length > 0 ? " " : "")}Format: `{shape}`.";
                }

                WritePathParameter(writer, variable.FieldPathText, description, (fields[^1], pattern), schemas);
                segment = variable.End;
            }
        }

        if (!(binding.HasBody && binding.BodyField is null))
        {
            var bound = entry.VariableFields.Select(f => f[^1]).ToHashSet();
            foreach (var (name, field) in QueryParameters(binding.Input, binding.BodyField, bound))
            {
                writer.WriteStartObject();
                writer.WriteString("name", name);
                writer.WriteString("in", "query");
                var description = OpenApiSchemaCollector.FieldDescription(field);
                if (description.Length > 0)
                {
                    writer.WriteString("description", description);
                }

                if (field.IsRepeated)
                {
                    writer.WriteString("style", "form");
                    writer.WriteBoolean("explode", true);
                }

                writer.WritePropertyName("schema");
                schemas.WriteFieldSchema(writer, field, description: null);
                writer.WriteEndObject();
            }
        }

        writer.WriteEndArray();
    }

    private static void WritePathParameter(Utf8JsonWriter writer, string name, string description, (ProtoField Field, string? Pattern)? bound, OpenApiSchemaCollector schemas)
    {
        writer.WriteStartObject();
        writer.WriteString("name", name);
        writer.WriteString("in", "path");
        writer.WriteBoolean("required", true);
        if (description.Length > 0)
        {
            writer.WriteString("description", description);
        }

        writer.WritePropertyName("schema");
        if (bound is { Pattern: not null } withPattern)
        {
            writer.WriteStartObject();
            writer.WriteString("type", "string");
            writer.WriteString("pattern", withPattern.Pattern);
            writer.WriteEndObject();
        }
        else if (bound is { } field)
        {
            schemas.WriteFieldSchema(writer, field.Field, description: null);
        }
        else
        {
            writer.WriteStartObject();
            writer.WriteString("type", "string");
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>A regular expression for a variable whose pattern is more than one <c>*</c>; null for a plain <c>{x}</c>.</summary>
    private static string? VariablePattern(PathTemplate template, TemplateVariable variable)
    {
        if (variable.End - variable.Start == 1 && template.Segments[variable.Start].Kind == SegmentKind.Wildcard)
        {
            return null;
        }

        var parts = new List<string>();
        for (var i = variable.Start; i < variable.End; i++)
        {
            var segment = template.Segments[i];
            parts.Add(segment.Kind switch
            {
                SegmentKind.Literal => System.Text.RegularExpressions.Regex.Escape(segment.Literal!),
                SegmentKind.Wildcard => "[^/]+",
                _ => ".*",
            });
        }

        return $"^{string.Join('/', parts)}$";
    }

    /// <summary>
    /// Query parameters: the scalar, enum and text well-known fields not bound by the path or body, by JSON name, and
    /// one level into singular message fields (<c>shelf.id</c>).
    /// </summary>
    private static IEnumerable<(string Name, ProtoField Field)> QueryParameters(MessageType input, IReadOnlyList<ProtoField>? bodyField, HashSet<ProtoField> pathBound)
    {
        foreach (var field in input.Fields)
        {
            if (pathBound.Contains(field) || (bodyField is not null && ReferenceEquals(bodyField[0], field)))
            {
                continue;
            }

            if (IsQueryLeaf(field))
            {
                yield return (field.JsonName, field);
            }
            else if (field.IsMessage && !field.IsRepeated && !field.IsMap && field.MessageType.WellKnown == WellKnownType.None)
            {
                foreach (var inner in field.MessageType.Fields)
                {
                    if (IsQueryLeaf(inner) && !pathBound.Contains(inner))
                    {
                        yield return ($"{field.JsonName}.{inner.JsonName}", inner);
                    }
                }
            }
        }
    }

    private static bool IsQueryLeaf(ProtoField field) =>
        !field.IsMap && (!field.IsMessage || (!field.IsRepeated && FieldPaths.IsTextWellKnown(field.MessageType.WellKnown)));

    private static void WriteRequestBody(Utf8JsonWriter writer, HttpBinding binding, OpenApiSchemaCollector schemas)
    {
        writer.WriteStartObject("requestBody");
        writer.WriteBoolean("required", false);
        var target = binding.BodyField?[^1];
        var isHttpBody = target is null ? binding.Input.FullName == "google.api.HttpBody" : target.IsMessage && !target.IsRepeated && target.MessageType.FullName == "google.api.HttpBody";
        if (isHttpBody)
        {
            writer.WriteString("description", "Any content type: the raw bytes become google.api.HttpBody.data.");
        }

        writer.WriteStartObject("content");
        if (isHttpBody)
        {
            writer.WriteStartObject("*/*");
            writer.WriteStartObject("schema");
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteStartObject("application/json");
            writer.WritePropertyName("schema");
            if (target is null)
            {
                schemas.WriteMessageSchemaRef(writer, binding.Input);
            }
            else
            {
                schemas.WriteFieldSchema(writer, target, description: null);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteSuccessResponse(Utf8JsonWriter writer, HttpBinding binding, OpenApiSchemaCollector schemas)
    {
        writer.WriteStartObject("200");
        writer.WriteString("description", binding.ServerStreaming
            ? "A stream of responses: a JSON array, one JSON response per line (application/x-ndjson), or server-sent events with one JSON response per event (text/event-stream)."
            : "OK");
        writer.WriteStartObject("content");
        var target = binding.ResponseBodyField?[^1];
        var isHttpBody = target is null ? binding.Output.FullName == "google.api.HttpBody" : target.IsMessage && !target.IsRepeated && target.MessageType.FullName == "google.api.HttpBody";
        if (isHttpBody)
        {
            writer.WriteStartObject("*/*");
            writer.WriteStartObject("schema");
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        else
        {
            void WriteItem()
            {
                if (target is null)
                {
                    schemas.WriteMessageSchemaRef(writer, binding.Output);
                }
                else
                {
                    schemas.WriteFieldSchema(writer, target, description: null);
                }
            }

            writer.WriteStartObject("application/json");
            writer.WritePropertyName("schema");
            if (binding.ServerStreaming)
            {
                writer.WriteStartObject();
                writer.WriteString("type", "array");
                writer.WritePropertyName("items");
                WriteItem();
                writer.WriteEndObject();
            }
            else
            {
                WriteItem();
            }

            writer.WriteEndObject();
            if (binding.ServerStreaming)
            {
                writer.WriteStartObject("application/x-ndjson");
                writer.WritePropertyName("schema");
                WriteItem();
                writer.WriteEndObject();
                writer.WriteStartObject("text/event-stream");
                writer.WriteStartObject("schema");
                writer.WriteString("type", "string");
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteStatusSchema(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(StatusSchema);
        writer.WriteString("type", "object");
        writer.WriteString("description", "The error model of gRPC (google/rpc/status.proto), in ProtoJSON.");
        writer.WriteStartObject("properties");
        writer.WriteStartObject("code");
        writer.WriteString("type", "integer");
        writer.WriteString("format", "int32");
        writer.WriteString("description", "The gRPC status code (google.rpc.Code).");
        writer.WriteEndObject();
        writer.WriteStartObject("message");
        writer.WriteString("type", "string");
        writer.WriteEndObject();
        writer.WriteStartObject("details");
        writer.WriteString("type", "array");
        writer.WritePropertyName("items");
        OpenApiSchemaCollector.WriteAnySchema(writer);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    internal static string Ref(string schemaName) => $"#/components/schemas/{schemaName}";
}
