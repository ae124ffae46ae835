using Microsoft.Extensions.Logging;

namespace MeshProxy.Observability;

/// <summary>Workload certificate, rotation and mTLS handshakes, ids 1800-1829 (the security range is 1800-1899).</summary>
internal static partial class TlsLog
{
    [LoggerMessage(EventId = 1800, EventName = "CertificateLoaded", Level = LogLevel.Information,
        Message = "Workload certificate {SpiffeId} loaded from {Directory}: serial {Serial}, valid until {NotAfter:O}, trust bundle of {BundleCount} CA certificate(s).")]
    public static partial void CertificateLoaded(ILogger logger, string spiffeId, string directory, string serial, DateTimeOffset notAfter, int bundleCount);

    [LoggerMessage(EventId = 1801, EventName = "CertificateRotated", Level = LogLevel.Information,
        Message = "Workload certificate rotated: {SpiffeId}, serial {Serial}, valid until {NotAfter:O}, trust bundle of {BundleCount}; new handshakes use it, open connections keep theirs.")]
    public static partial void CertificateRotated(ILogger logger, string spiffeId, string serial, DateTimeOffset notAfter, int bundleCount);

    [LoggerMessage(EventId = 1802, EventName = "CertificateReloadFailed", Level = LogLevel.Warning,
        Message = "Cannot load the workload certificate from {Directory}: {Reason}. The previous certificate stays in use; the next file event or poll tries again.")]
    public static partial void CertificateReloadFailed(ILogger logger, string directory, string reason);

    [LoggerMessage(EventId = 1803, EventName = "CertificateExpiring", Level = LogLevel.Warning,
        Message = "The {Certificate} certificate of {SpiffeId} expires at {NotAfter:O} ({Remaining} left): check that its issuer (SPIRE, cert-manager) renews it.")]
    public static partial void CertificateExpiring(ILogger logger, string certificate, string spiffeId, DateTimeOffset notAfter, string remaining);

    [LoggerMessage(EventId = 1804, EventName = "CertificateExpired", Level = LogLevel.Error,
        Message = "The {Certificate} certificate of {SpiffeId} expired at {NotAfter:O}: peers refuse it until the file is renewed.")]
    public static partial void CertificateExpired(ILogger logger, string certificate, string spiffeId, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 1805, EventName = "CertificateWatchStarted", Level = LogLevel.Information,
        Message = "Watching {Directory} for certificate rotation (file-system events: {Watching}, poll every {PollInterval}).")]
    public static partial void CertificateWatchStarted(ILogger logger, string directory, bool watching, string pollInterval);

    [LoggerMessage(EventId = 1806, EventName = "CertificateWatchFailed", Level = LogLevel.Warning,
        Message = "The file-system watcher on {Directory} failed; the poll keeps checking the certificate files.")]
    public static partial void CertificateWatchFailed(ILogger logger, string directory, Exception exception);

    [LoggerMessage(EventId = 1807, EventName = "CertificateCheckFailed", Level = LogLevel.Error,
        Message = "Checking the certificate files in {Directory} failed unexpectedly; the current certificate stays in use.")]
    public static partial void CertificateCheckFailed(ILogger logger, string directory, Exception exception);

    [LoggerMessage(EventId = 1810, EventName = "ClientCertificateRefused", Level = LogLevel.Debug,
        Message = "mTLS listener refused a handshake: {Reason}.")]
    public static partial void ClientCertificateRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 1811, EventName = "ServerCertificateRefused", Level = LogLevel.Warning,
        Message = "Cluster {Cluster}: refused the server certificate of {Host}: {Reason}.")]
    public static partial void ServerCertificateRefused(ILogger logger, string cluster, string host, string reason);
}
