using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using MeshProxy.Samples.Users.V1;

namespace MeshProxy.SampleBackends.Users;

/// <summary>
/// The user directory: thread-safe, in memory, ordered by id. Every read hands out a copy, so callers never see a
/// user change under them. Failures are thrown as <see cref="RpcException"/> with the status a real service would send.
/// </summary>
internal sealed class UserStore
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, User> _users = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private int _nextId = 2000;

    public UserStore(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        Seed();
    }

    public User Get(string userId)
    {
        RequireId(userId, "user_id");
        lock (_lock)
        {
            return _users.TryGetValue(userId, out var user) ? user.Clone() : throw NotFound(userId);
        }
    }

    public User Create(User? user)
    {
        if (user is null)
        {
            throw Invalid("user is required.");
        }

        RequireEmail(user.Email);
        var now = Now();
        lock (_lock)
        {
            var stored = user.Clone();
            if (stored.UserId.Length == 0)
            {
                do
                {
                    stored.UserId = "u-" + (++_nextId).ToString(CultureInfo.InvariantCulture);
                }
                while (_users.ContainsKey(stored.UserId));
            }
            else
            {
                RequireId(stored.UserId, "user.user_id");
                if (_users.ContainsKey(stored.UserId))
                {
                    throw new RpcException(new Status(StatusCode.AlreadyExists, $"User '{stored.UserId}' already exists."));
                }
            }

            stored.CreateTime = now;
            stored.UpdateTime = now;
            _users[stored.UserId] = stored;
            return stored.Clone();
        }
    }

    /// <summary>Applies the fields named by the mask (AIP-134); an empty mask means every populated field.</summary>
    public User Update(User? patch, FieldMask? mask)
    {
        if (patch is null)
        {
            throw Invalid("user is required.");
        }

        RequireId(patch.UserId, "user.user_id");
        var paths = UserFieldMask.Resolve(patch, mask);
        lock (_lock)
        {
            if (!_users.TryGetValue(patch.UserId, out var current))
            {
                throw NotFound(patch.UserId);
            }

            var updated = current.Clone();
            UserFieldMask.Apply(paths, patch, updated);
            RequireEmail(updated.Email);
            updated.UpdateTime = Now();
            _users[updated.UserId] = updated;
            return updated.Clone();
        }
    }

    /// <summary>Creates or replaces a user whole; a replaced user keeps its create_time.</summary>
    public User Upsert(User? user)
    {
        if (user is null)
        {
            throw Invalid("upsert needs a user.");
        }

        RequireId(user.UserId, "upsert.user_id");
        RequireEmail(user.Email);
        var now = Now();
        lock (_lock)
        {
            var stored = user.Clone();
            stored.CreateTime = _users.TryGetValue(user.UserId, out var current) ? current.CreateTime : now;
            stored.UpdateTime = now;
            _users[stored.UserId] = stored;
            return stored.Clone();
        }
    }

    public void Delete(string userId)
    {
        if (!TryDelete(userId))
        {
            throw NotFound(userId);
        }
    }

    public bool TryDelete(string userId)
    {
        RequireId(userId, "user_id");
        lock (_lock)
        {
            return _users.Remove(userId);
        }
    }

    /// <summary>A snapshot in id order, filtered by plan unless PLAN_UNSPECIFIED, at most <paramref name="pageSize"/> (all when 0).</summary>
    public IReadOnlyList<User> List(int pageSize, Plan plan)
    {
        if (pageSize < 0)
        {
            throw Invalid($"page_size must not be negative, was {pageSize}.");
        }

        lock (_lock)
        {
            var users = _users.Values.Where(u => plan == Plan.Unspecified || u.Plan == plan);
            if (pageSize > 0)
            {
                users = users.Take(pageSize);
            }

            return [.. users.Select(u => u.Clone())];
        }
    }

    private Timestamp Now() => Timestamp.FromDateTimeOffset(_timeProvider.GetUtcNow());

    private void Seed()
    {
        var seeded = new[]
        {
            ("u-1001", "Ada Lovelace", "ada@example.com", Plan.Enterprise, 52_428_800L, "team", "analytics"),
            ("u-1002", "Grace Hopper", "grace@example.com", Plan.Pro, 10_485_760L, "team", "compilers"),
            ("u-1003", "Alan Turing", "alan@example.com", Plan.Free, 1_048_576L, "team", "research"),
            ("u-1004", "Katherine Johnson", "katherine@example.com", Plan.Pro, 7_340_032L, "team", "navigation"),
            ("u-1005", "Edsger Dijkstra", "edsger@example.com", Plan.Free, 0L, "team", "algorithms"),
        };
        var now = Now();
        foreach (var (id, name, email, plan, storage, labelKey, labelValue) in seeded)
        {
            var user = new User { UserId = id, DisplayName = name, Email = email, Plan = plan, StorageBytes = storage, CreateTime = now, UpdateTime = now };
            user.Labels[labelKey] = labelValue;
            _users[id] = user;
        }
    }

    private static void RequireId(string id, string field)
    {
        if (id.Length == 0)
        {
            throw Invalid($"{field} is required.");
        }

        if (id.Length > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw Invalid($"{field} '{id}' must be 1 to 64 characters of letters, digits, '-', '_' or '.'.");
        }
    }

    private static void RequireEmail(string email)
    {
        if (email.Length == 0)
        {
            throw Invalid("email is required.");
        }

        var at = email.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at == email.Length - 1 || email.IndexOf('@', at + 1) >= 0)
        {
            throw Invalid($"email '{email}' is not an email address.");
        }
    }

    private static RpcException NotFound(string userId) => new(new Status(StatusCode.NotFound, $"User '{userId}' not found."));

    internal static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
