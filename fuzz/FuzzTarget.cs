namespace MeshProxy.Fuzz;

/// <summary>
/// One parser under afl++. <see cref="Run"/> gets one input; any exception that escapes it is a crash afl++ keeps.
/// Besides "does not throw", each target checks an invariant of its parser (a round trip, an agreement between two
/// readings), thrown as <see cref="InvariantException"/>, so a wrong answer is found as well as a crash.
/// </summary>
internal abstract class FuzzTarget
{
    public abstract string Name { get; }

    public abstract void Run(ReadOnlySpan<byte> input);

    protected static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvariantException(what);
        }
    }
}

internal sealed class InvariantException(string message) : Exception(message);
