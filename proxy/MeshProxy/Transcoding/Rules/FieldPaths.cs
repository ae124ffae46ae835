using System.Diagnostics.CodeAnalysis;
using MeshProxy.Transcoding.Descriptors;

namespace MeshProxy.Transcoding.Rules;

/// <summary>Resolves dotted proto field paths (<c>book.shelf.id</c>) of rules against message types.</summary>
internal static class FieldPaths
{
    /// <summary>Walks <paramref name="names"/> (proto field names) from <paramref name="root"/>; every step but the last
    /// must be a singular message field.</summary>
    public static bool TryResolve(MessageType root, IReadOnlyList<string> names, [NotNullWhen(true)] out IReadOnlyList<ProtoField>? fields, [NotNullWhen(false)] out string? error)
    {
        var path = new ProtoField[names.Count];
        var type = root;
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i];
            var field = type.FindField(name.AsSpan());
            if (field is null || field.Name != name)
            {
                fields = null;
                error = $"{type.FullName} has no field '{name}'";
                return false;
            }

            path[i] = field;
            if (i < names.Count - 1)
            {
                if (!field.IsMessage || field.IsRepeated || field.IsMap)
                {
                    fields = null;
                    error = $"'{name}' of {type.FullName} is not a singular message field, so '{string.Join('.', names)}' cannot go through it";
                    return false;
                }

                type = field.MessageType;
            }
        }

        fields = path;
        error = null;
        return true;
    }

    /// <summary>A path variable binds a singular scalar, enum, or a well-known type with a string form.</summary>
    public static bool CheckVariableLeaf(ProtoField field, [NotNullWhen(false)] out string? error)
    {
        if (field.IsMap || field.IsRepeated)
        {
            error = $"field '{field.Name}' is {(field.IsMap ? "a map" : "repeated")}; a path variable binds one value";
            return false;
        }

        if (field.IsMessage && !IsTextWellKnown(field.MessageType.WellKnown))
        {
            error = $"field '{field.Name}' is a message ({field.MessageType.FullName}); a path variable binds a scalar";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Well-known types whose ProtoJSON form is a single string or scalar, so they can come from a URL.</summary>
    public static bool IsTextWellKnown(WellKnownType wellKnown) => wellKnown is
        WellKnownType.Timestamp or WellKnownType.Duration or WellKnownType.FieldMask
        or WellKnownType.DoubleValue or WellKnownType.FloatValue or WellKnownType.Int64Value or WellKnownType.UInt64Value
        or WellKnownType.Int32Value or WellKnownType.UInt32Value or WellKnownType.BoolValue or WellKnownType.StringValue
        or WellKnownType.BytesValue;

    public static string Text(IReadOnlyList<ProtoField> path) => string.Join('.', path.Select(f => f.Name));
}
