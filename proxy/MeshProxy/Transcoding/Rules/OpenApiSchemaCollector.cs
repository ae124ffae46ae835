using System.Text.Json;
using Google.Protobuf.Reflection;
using MeshProxy.Transcoding.Descriptors;

namespace MeshProxy.Transcoding.Rules;

/// <summary>
/// JSON Schemas (OpenAPI 3.1 uses JSON Schema 2020-12) for messages and fields in their ProtoJSON form. Messages and
/// enums become components referenced by full name; well-known types are written inline in their JSON form. Collects the
/// messages it references so that <see cref="WriteAll"/> writes each once, recursive types included.
/// </summary>
internal sealed class OpenApiSchemaCollector
{
    private readonly List<object> _pending = [];
    private readonly HashSet<string> _referenced = new(StringComparer.Ordinal);

    /// <summary>Writes a <c>$ref</c> to a message component, or the inline schema of a well-known type.</summary>
    public void WriteMessageSchemaRef(Utf8JsonWriter writer, MessageType type, string? description = null)
    {
        if (type.WellKnown != WellKnownType.None)
        {
            WriteWellKnownSchema(writer, type.WellKnown, description);
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("$ref", OpenApiDocumentWriter.Ref(type.FullName));
        if (!string.IsNullOrEmpty(description))
        {
            writer.WriteString("description", description);
        }

        writer.WriteEndObject();
        if (_referenced.Add(type.FullName))
        {
            _pending.Add(type);
        }
    }

    /// <summary>The schema of one field's JSON value: arrays for repeated fields, objects for maps.</summary>
    public void WriteFieldSchema(Utf8JsonWriter writer, ProtoField field, string? description)
    {
        if (field.IsMap)
        {
            writer.WriteStartObject();
            writer.WriteString("type", "object");
            WriteDescription(writer, description);
            writer.WritePropertyName("additionalProperties");
            WriteValueSchema(writer, field.MapValue!, null);
            writer.WriteEndObject();
            return;
        }

        if (field.IsRepeated)
        {
            writer.WriteStartObject();
            writer.WriteString("type", "array");
            WriteDescription(writer, description);
            writer.WritePropertyName("items");
            WriteValueSchema(writer, field, null);
            writer.WriteEndObject();
            return;
        }

        WriteValueSchema(writer, field, description);
    }

    /// <summary>Writes every referenced message and enum as a component (call inside <c>components.schemas</c>).</summary>
    public void WriteAll(Utf8JsonWriter writer)
    {
        for (var i = 0; i < _pending.Count; i++)
        {
            switch (_pending[i])
            {
                case MessageType message:
                    WriteMessageComponent(writer, message);
                    break;
                case EnumDescriptor e:
                    WriteEnumComponent(writer, e);
                    break;
            }
        }
    }

    /// <summary><c>google.protobuf.Any</c>: an object with <c>@type</c> and the packed message's fields (or <c>value</c>).</summary>
    public static void WriteAnySchema(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "object");
        writer.WriteString("description", "google.protobuf.Any: \"@type\" names the message, whose fields follow.");
        writer.WriteStartObject("properties");
        writer.WriteStartObject("@type");
        writer.WriteString("type", "string");
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteStartArray("required");
        writer.WriteStringValue("@type");
        writer.WriteEndArray();
        writer.WriteBoolean("additionalProperties", true);
        writer.WriteEndObject();
    }

    public static string FieldDescription(ProtoField field) =>
        field.ContainingType.Descriptor.FindFieldByNumber(field.Number)?.Declaration is { } d
            ? (d.LeadingComments ?? d.TrailingComments ?? string.Empty).Trim()
            : string.Empty;

    private static string Comments(DescriptorDeclaration? declaration) =>
        declaration is null ? string.Empty : (declaration.LeadingComments ?? declaration.TrailingComments ?? string.Empty).Trim();

    private void WriteValueSchema(Utf8JsonWriter writer, ProtoField field, string? description)
    {
        switch (field.Type)
        {
            case FieldType.Message:
            case FieldType.Group:
                WriteMessageSchemaRef(writer, field.MessageType, description);
                return;
            case FieldType.Enum:
                // A map value's containing type is the map entry message, so this finds map value enums too.
                var descriptor = field.ContainingType.Descriptor.FindFieldByNumber(field.Number)?.EnumType;
                if (descriptor is null || descriptor.FullName == "google.protobuf.NullValue")
                {
                    writer.WriteStartObject();
                    writer.WriteString("type", "null");
                    WriteDescription(writer, description);
                    writer.WriteEndObject();
                    return;
                }

                writer.WriteStartObject();
                writer.WriteString("$ref", OpenApiDocumentWriter.Ref(descriptor.FullName));
                WriteDescription(writer, description);
                writer.WriteEndObject();
                if (_referenced.Add(descriptor.FullName))
                {
                    _pending.Add(descriptor);
                }

                return;
        }

        writer.WriteStartObject();
        WriteScalarSchemaBody(writer, field.Type, nullable: false);
        WriteDescription(writer, description);
        writer.WriteEndObject();
    }

    /// <summary>ProtoJSON scalars: 64-bit integers are strings (numbers accepted on input), bytes are base64.</summary>
    private static void WriteScalarSchemaBody(Utf8JsonWriter writer, FieldType type, bool nullable)
    {
        var (jsonType, format) = type switch
        {
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => ("integer", "int32"),
            FieldType.UInt32 or FieldType.Fixed32 => ("integer", "uint32"),
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => ("string", "int64"),
            FieldType.UInt64 or FieldType.Fixed64 => ("string", "uint64"),
            FieldType.Float => ("number", "float"),
            FieldType.Double => ("number", "double"),
            FieldType.Bool => ("boolean", null),
            FieldType.Bytes => ("string", "byte"),
            _ => ("string", null),
        };
        if (nullable)
        {
            writer.WriteStartArray("type");
            writer.WriteStringValue(jsonType);
            writer.WriteStringValue("null");
            writer.WriteEndArray();
        }
        else
        {
            writer.WriteString("type", jsonType);
        }

        if (format is not null)
        {
            writer.WriteString("format", format);
        }

        if (type == FieldType.Bytes)
        {
            writer.WriteString("contentEncoding", "base64");
        }
    }

    private static void WriteWellKnownSchema(Utf8JsonWriter writer, WellKnownType wellKnown, string? description)
    {
        if (wellKnown == WellKnownType.Any)
        {
            WriteAnySchema(writer);
            return;
        }

        writer.WriteStartObject();
        switch (wellKnown)
        {
            case WellKnownType.Timestamp:
                writer.WriteString("type", "string");
                writer.WriteString("format", "date-time");
                break;
            case WellKnownType.Duration:
                writer.WriteString("type", "string");
                writer.WriteString("pattern", "^-?[0-9]+(\\.[0-9]{1,9})?s$");
                break;
            case WellKnownType.FieldMask:
                writer.WriteString("type", "string");
                WriteDescription(writer, description ?? "Comma-separated field paths in lowerCamelCase.");
                description = null;
                break;
            case WellKnownType.Struct:
                writer.WriteString("type", "object");
                writer.WriteBoolean("additionalProperties", true);
                break;
            case WellKnownType.ListValue:
                writer.WriteString("type", "array");
                writer.WriteStartObject("items");
                writer.WriteEndObject();
                break;
            case WellKnownType.Empty:
                writer.WriteString("type", "object");
                break;
            case WellKnownType.Value:
                // Any JSON value: no constraint.
                break;
            default:
                WriteScalarSchemaBody(writer, WrappedType(wellKnown), nullable: true);
                break;
        }

        WriteDescription(writer, description);
        writer.WriteEndObject();
    }

    private static FieldType WrappedType(WellKnownType wellKnown) => wellKnown switch
    {
        WellKnownType.DoubleValue => FieldType.Double,
        WellKnownType.FloatValue => FieldType.Float,
        WellKnownType.Int64Value => FieldType.Int64,
        WellKnownType.UInt64Value => FieldType.UInt64,
        WellKnownType.Int32Value => FieldType.Int32,
        WellKnownType.UInt32Value => FieldType.UInt32,
        WellKnownType.BoolValue => FieldType.Bool,
        WellKnownType.BytesValue => FieldType.Bytes,
        _ => FieldType.String,
    };

    private void WriteMessageComponent(Utf8JsonWriter writer, MessageType message)
    {
        writer.WriteStartObject(message.FullName);
        writer.WriteString("type", "object");
        var description = Comments(message.Descriptor.Declaration);
        var oneofs = message.Descriptor.Oneofs.Where(o => !o.IsSynthetic).ToList();
        if (oneofs.Count > 0)
        {
            // JSON Schema could say this with oneOf over required members, but that misdescribes ProtoJSON, where
            // every member may be absent; a sentence is what readers and generators handle well.
            var notes = oneofs.Select(o => $"At most one of {string.Join(", ", o.Fields.Select(f => f.JsonName))} (oneof {o.Name}).");
            description = string.Join(' ', [description, .. notes]).Trim();
        }

        WriteDescription(writer, description);
        writer.WriteStartObject("properties");
        foreach (var field in message.Fields)
        {
            writer.WritePropertyName(field.JsonName);
            var fieldDescription = FieldDescription(field);
            if (field.OneofIndex >= 0)
            {
                var oneof = message.Descriptor.Oneofs.Where(o => !o.IsSynthetic).ElementAt(field.OneofIndex);
                fieldDescription = $"{fieldDescription}{(fieldDescription.Length > 0 ? " " : "")}Member of oneof {oneof.Name}.";
            }

            WriteFieldSchema(writer, field, fieldDescription.Length > 0 ? fieldDescription : null);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteEnumComponent(Utf8JsonWriter writer, EnumDescriptor descriptor)
    {
        writer.WriteStartObject(descriptor.FullName);
        writer.WriteString("type", "string");
        WriteDescription(writer, Comments(descriptor.Declaration));
        writer.WriteStartArray("enum");
        foreach (var value in descriptor.Values.Select(v => v.Name).Distinct(StringComparer.Ordinal))
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteDescription(Utf8JsonWriter writer, string? description)
    {
        if (!string.IsNullOrEmpty(description))
        {
            writer.WriteString("description", description);
        }
    }
}
