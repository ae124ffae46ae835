using System.Text;
using Google.Protobuf.Reflection;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace MeshProxy.Cli.Reflection;

/// <summary>
/// Writes a descriptor back as .proto source for <c>meshproxy call ADDRESS describe SYMBOL</c>, as grpcurl's describe
/// does: type names fully qualified with a leading dot, nested types inside their parent, options left out (reflection
/// servers rarely send them, and a reader wants the shape of the API).
/// </summary>
internal static class ProtoSourceWriter
{
    private const string Indent = "  ";

    /// <summary><c>NAME is a KIND:</c> then its source; null when the descriptor is not a service, method, message or enum.</summary>
    public static string? Describe(IDescriptor descriptor)
    {
        var text = new StringBuilder();
        var kind = descriptor switch
        {
            ServiceDescriptor => "a service",
            MethodDescriptor => "a method",
            MessageDescriptor => "a message",
            EnumDescriptor => "an enum",
            _ => null,
        };
        if (kind is null)
        {
            return null;
        }

        text.Append(descriptor.FullName).Append(" is ").Append(kind).AppendLine(":");
        switch (descriptor)
        {
            case ServiceDescriptor service:
                WriteService(text, service);
                break;
            case MethodDescriptor method:
                WriteMethod(text, method, string.Empty);
                break;
            case MessageDescriptor message:
                WriteMessage(text, message, string.Empty);
                break;
            case EnumDescriptor e:
                WriteEnum(text, e, string.Empty);
                break;
        }

        return text.ToString();
    }

    private static void WriteService(StringBuilder text, ServiceDescriptor service)
    {
        text.Append("service ").Append(service.Name).AppendLine(" {");
        foreach (var method in service.Methods)
        {
            WriteMethod(text, method, Indent);
        }

        text.AppendLine("}");
    }

    private static void WriteMethod(StringBuilder text, MethodDescriptor method, string indent) =>
        text.Append(indent).Append("rpc ").Append(method.Name)
            .Append(" ( ").Append(method.IsClientStreaming ? "stream " : string.Empty).Append('.').Append(method.InputType.FullName)
            .Append(" ) returns ( ").Append(method.IsServerStreaming ? "stream " : string.Empty).Append('.').Append(method.OutputType.FullName)
            .AppendLine(" );");

    private static void WriteMessage(StringBuilder text, MessageDescriptor message, string indent)
    {
        var inner = indent + Indent;
        text.Append(indent).Append("message ").Append(message.Name).AppendLine(" {");
        var writtenOneofs = new HashSet<OneofDescriptor>();
        foreach (var field in message.Fields.InDeclarationOrder())
        {
            // A real oneof is written once, at its first field, with all its fields inside.
            if (field.RealContainingOneof is { } oneof)
            {
                if (writtenOneofs.Add(oneof))
                {
                    text.Append(inner).Append("oneof ").Append(oneof.Name).AppendLine(" {");
                    foreach (var member in oneof.Fields)
                    {
                        WriteField(text, member, inner + Indent);
                    }

                    text.Append(inner).AppendLine("}");
                }

                continue;
            }

            WriteField(text, field, inner);
        }

        foreach (var nested in message.NestedTypes)
        {
            // Map entries are written as map<K, V> fields, never as the messages protoc makes of them.
            if (nested.GetOptions()?.MapEntry != true)
            {
                WriteMessage(text, nested, inner);
            }
        }

        foreach (var e in message.EnumTypes)
        {
            WriteEnum(text, e, inner);
        }

        text.Append(indent).AppendLine("}");
    }

    private static void WriteField(StringBuilder text, FieldDescriptor field, string indent)
    {
        text.Append(indent);
        if (field.IsMap)
        {
            var entry = field.MessageType;
            text.Append("map<").Append(TypeName(entry.FindFieldByNumber(1))).Append(", ").Append(TypeName(entry.FindFieldByNumber(2))).Append("> ");
        }
        else
        {
            // Proto3 "optional" is a synthetic oneof of one field; a proto2 scalar with presence is optional too.
            var label = field.IsRepeated ? "repeated "
                : field.ContainingOneof is { IsSynthetic: true } ? "optional "
                : field.IsRequired ? "required "
                : field.HasPresence && field.ContainingOneof is null && field.FieldType != FieldType.Message ? "optional "
                : string.Empty;
            text.Append(label).Append(TypeName(field)).Append(' ');
        }

        text.Append(field.Name).Append(" = ").Append(field.FieldNumber).AppendLine(";");
    }

    private static void WriteEnum(StringBuilder text, EnumDescriptor e, string indent)
    {
        text.Append(indent).Append("enum ").Append(e.Name).AppendLine(" {");
        foreach (var value in e.Values)
        {
            text.Append(indent).Append(Indent).Append(value.Name).Append(" = ").Append(value.Number).AppendLine(";");
        }

        text.Append(indent).AppendLine("}");
    }

    private static string TypeName(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Message or FieldType.Group => "." + field.MessageType.FullName,
        FieldType.Enum => "." + field.EnumType.FullName,
        _ => field.FieldType.ToString().ToLowerInvariant(),
    };
}
