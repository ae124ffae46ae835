using Google.Protobuf.WellKnownTypes;
using MeshProxy.Samples.Users.V1;

namespace MeshProxy.SampleBackends.Users;

/// <summary>
/// FieldMask semantics of UpdateUser (AIP-134): a named path is copied even when the patch holds its default (that
/// clears the field); an empty mask names every populated field; user_id is immutable and the times are output only.
/// </summary>
internal static class UserFieldMask
{
    private static readonly string[] Mutable = ["display_name", "email", "plan", "labels", "storage_bytes"];

    public static IReadOnlyList<string> Resolve(User patch, FieldMask? mask)
    {
        if (mask is null || mask.Paths.Count == 0)
        {
            var populated = new List<string>(Mutable.Length);
            if (patch.DisplayName.Length > 0) { populated.Add("display_name"); }
            if (patch.Email.Length > 0) { populated.Add("email"); }
            if (patch.Plan != Plan.Unspecified) { populated.Add("plan"); }
            if (patch.Labels.Count > 0) { populated.Add("labels"); }
            if (patch.StorageBytes != 0) { populated.Add("storage_bytes"); }
            return populated;
        }

        foreach (var path in mask.Paths)
        {
            if (path == "user_id")
            {
                throw UserStore.Invalid("update_mask: user_id is immutable.");
            }

            if (path is "create_time" or "update_time")
            {
                throw UserStore.Invalid($"update_mask: {path} is output only.");
            }

            if (Array.IndexOf(Mutable, path) < 0)
            {
                throw UserStore.Invalid($"update_mask: unknown path '{path}'; updatable paths are {string.Join(", ", Mutable)}.");
            }
        }

        return [.. mask.Paths.Distinct(StringComparer.Ordinal)];
    }

    public static void Apply(IReadOnlyList<string> paths, User patch, User target)
    {
        foreach (var path in paths)
        {
            switch (path)
            {
                case "display_name":
                    target.DisplayName = patch.DisplayName;
                    break;
                case "email":
                    target.Email = patch.Email;
                    break;
                case "plan":
                    target.Plan = patch.Plan;
                    break;
                case "labels":
                    // A map field in a mask is replaced whole (AIP-134).
                    target.Labels.Clear();
                    target.Labels.Add(patch.Labels);
                    break;
                case "storage_bytes":
                    target.StorageBytes = patch.StorageBytes;
                    break;
            }
        }
    }
}
