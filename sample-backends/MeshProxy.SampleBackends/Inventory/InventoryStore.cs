using System.Globalization;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using MeshProxy.Samples.Inventory.V1;

namespace MeshProxy.SampleBackends.Inventory;

/// <summary>
/// Stock per SKU, thread-safe and in memory. Reservations move stock from available to reserved and are published
/// to watchers; a watcher subscribes under the same lock that changes stock, so it sees each change exactly once
/// after its snapshot. Stock only ever goes down here, which bounds what an unread watcher can queue.
/// </summary>
internal sealed class InventoryStore
{
    /// <summary>How long a reservation holds when the request gives no hold.</summary>
    public static readonly TimeSpan DefaultHold = TimeSpan.FromMinutes(15);

    /// <summary>The longest hold accepted.</summary>
    public static readonly TimeSpan MaxHold = TimeSpan.FromDays(1);

    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, StockLevel> _levels = new(StringComparer.Ordinal);
    private readonly List<Watcher> _watchers = [];
    private readonly TimeProvider _timeProvider;
    private long _nextReservation = 5000;

    public InventoryStore(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        var now = Now();
        foreach (var (sku, available) in new[] { ("sku-apple", 120), ("sku-banana", 40), ("sku-cherry", 5), ("sku-durian", 0) })
        {
            _levels[sku] = new StockLevel { Sku = sku, Available = available, Reserved = 0, UpdateTime = now };
        }
    }

    public StockLevel Check(string sku)
    {
        RequireSku(sku);
        lock (_lock)
        {
            return _levels.TryGetValue(sku, out var level) ? level.Clone() : throw NotFound(sku);
        }
    }

    public Reservation Reserve(ReserveStockRequest request)
    {
        RequireSku(request.Sku);
        if (request.Quantity < 1)
        {
            throw Invalid($"quantity must be at least 1, was {request.Quantity}.");
        }

        var hold = ResolveHold(request.Hold);
        lock (_lock)
        {
            if (!_levels.TryGetValue(request.Sku, out var level))
            {
                throw NotFound(request.Sku);
            }

            if (level.Available < request.Quantity)
            {
                throw new RpcException(new Status(
                    StatusCode.FailedPrecondition,
                    $"Not enough stock of '{request.Sku}': {request.Quantity} requested, {level.Available} available."));
            }

            var now = _timeProvider.GetUtcNow();
            var updated = new StockLevel
            {
                Sku = level.Sku,
                Available = level.Available - request.Quantity,
                Reserved = level.Reserved + request.Quantity,
                UpdateTime = Timestamp.FromDateTimeOffset(now),
            };
            _levels[request.Sku] = updated;
            foreach (var watcher in _watchers)
            {
                if (watcher.Watches(updated.Sku))
                {
                    watcher.Changes.Writer.TryWrite(updated.Clone());
                }
            }

            return new Reservation
            {
                ReservationId = "res-" + (++_nextReservation).ToString(CultureInfo.InvariantCulture),
                Sku = request.Sku,
                Quantity = request.Quantity,
                ExpireTime = Timestamp.FromDateTimeOffset(now + hold),
            };
        }
    }

    /// <summary>
    /// Subscribes to changes of <paramref name="skus"/> (every SKU when empty) and returns their current levels, in
    /// the order asked (SKU order for all). Dispose the subscription to stop receiving changes.
    /// </summary>
    public Subscription Watch(IReadOnlyList<string> skus)
    {
        foreach (var sku in skus)
        {
            RequireSku(sku);
        }

        lock (_lock)
        {
            var unknown = skus.FirstOrDefault(s => !_levels.ContainsKey(s));
            if (unknown is not null)
            {
                throw NotFound(unknown);
            }

            var watched = skus.Count == 0 ? null : new HashSet<string>(skus, StringComparer.Ordinal);
            var current = skus.Count == 0
                ? _levels.Values.Select(l => l.Clone()).ToArray()
                : skus.Distinct(StringComparer.Ordinal).Select(s => _levels[s].Clone()).ToArray();
            var watcher = new Watcher(watched);
            _watchers.Add(watcher);
            return new Subscription(this, watcher, current);
        }
    }

    private void Unwatch(Watcher watcher)
    {
        lock (_lock)
        {
            _watchers.Remove(watcher);
        }
    }

    private static TimeSpan ResolveHold(Duration? hold)
    {
        if (hold is null)
        {
            return DefaultHold;
        }

        TimeSpan value;
        try
        {
            value = hold.ToTimeSpan();
        }
        catch (InvalidOperationException)
        {
            throw Invalid("hold is not a valid duration: seconds and nanos must share a sign and nanos stay below one second.");
        }

        return value <= TimeSpan.Zero || value > MaxHold
            ? throw Invalid($"hold must be positive and at most {MaxHold.TotalHours:0} hours, was {value}.")
            : value;
    }

    private Timestamp Now() => Timestamp.FromDateTimeOffset(_timeProvider.GetUtcNow());

    private static void RequireSku(string sku)
    {
        if (string.IsNullOrEmpty(sku))
        {
            throw Invalid("sku is required.");
        }
    }

    private static RpcException NotFound(string sku) => new(new Status(StatusCode.NotFound, $"SKU '{sku}' not found."));

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    internal sealed class Watcher(HashSet<string>? skus)
    {
        public Channel<StockLevel> Changes { get; } = Channel.CreateUnbounded<StockLevel>(new UnboundedChannelOptions { SingleReader = true });

        public bool Watches(string sku) => skus is null || skus.Contains(sku);
    }

    /// <summary>The levels at subscription time and the changes after it.</summary>
    internal sealed class Subscription : IDisposable
    {
        private readonly InventoryStore _store;
        private readonly Watcher _watcher;

        internal Subscription(InventoryStore store, Watcher watcher, IReadOnlyList<StockLevel> current)
        {
            _store = store;
            _watcher = watcher;
            Current = current;
        }

        public IReadOnlyList<StockLevel> Current { get; }

        public ChannelReader<StockLevel> Changes => _watcher.Changes.Reader;

        public void Dispose() => _store.Unwatch(_watcher);
    }
}
