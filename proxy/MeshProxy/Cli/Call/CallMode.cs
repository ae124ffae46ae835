namespace MeshProxy.Cli.Call;

/// <summary>What <c>meshproxy call ADDRESS ...</c> does, told apart by its second positional.</summary>
internal enum CallMode
{
    /// <summary><c>ADDRESS METHOD</c>: call one method.</summary>
    Call,

    /// <summary><c>ADDRESS list [SERVICE]</c>: the server's services, or one service's methods, through reflection.</summary>
    List,

    /// <summary><c>ADDRESS describe SYMBOL</c>: a service, method, message or enum as .proto text, through reflection.</summary>
    Describe,
}
