namespace MeshProxy.TrafficPolicy;

/// <summary>Each destination in turn; lock-free, one counter per cluster.</summary>
internal sealed class RoundRobinPicker : IDestinationPicker
{
    private int _counter = -1;

    public DestinationState? Pick(IReadOnlyList<DestinationState> destinations)
    {
        var count = destinations.Count;
        if (count == 0)
        {
            return null;
        }

        // uint keeps the index non-negative when the counter wraps past int.MaxValue.
        var next = (uint)Interlocked.Increment(ref _counter);
        return destinations[(int)(next % (uint)count)];
    }
}
