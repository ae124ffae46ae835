namespace MeshProxy.FunctionalTests.Transcoding.Oracle;

/// <summary>
/// A documented choice where MeshProxy answers differently from Microsoft's JSON transcoding. <see cref="Id"/> is the
/// row of the table in proxy/MeshProxy/Transcoding/README.md ("Where we differ from Microsoft's JSON transcoding").
/// </summary>
/// <param name="Id">The README row.</param>
/// <param name="Assert">Checks that each side answered as the row says (ours, theirs); throws otherwise.</param>
public sealed record KnownDifference(string Id, Action<OracleReply, OracleReply> Assert)
{
    public override string ToString() => Id;
}
