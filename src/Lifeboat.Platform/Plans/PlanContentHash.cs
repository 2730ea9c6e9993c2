using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Lifeboat.Platform.Plans;

/// <summary>
/// The hash of what a plan is: action, kind, targets in their order, parameters, reason, requester
/// and override. Approvals and policy exceptions bind to it, so a plan changed after review no
/// longer matches what was reviewed.
/// </summary>
internal static class PlanContentHash
{
    public static string Of(string action, IdKind kind, IReadOnlyList<string> targets, IReadOnlyDictionary<string, string> parameters, string reason,
        string requestedBy, string? overrideName)
    {
        var canonical = JsonSerializer.Serialize(new
        {
            action,
            kind = kind.Prefix,
            targets,
            parameters = new SortedDictionary<string, string>(parameters.ToDictionary(), StringComparer.Ordinal),
            reason,
            requestedBy,
            overrideName,
        });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }
}
