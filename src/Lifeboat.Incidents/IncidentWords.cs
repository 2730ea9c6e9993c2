using System.Globalization;
using Lifeboat.Platform;

namespace Lifeboat.Incidents;

/// <summary>
/// Reads the words people type for phases, roles, slots, visibilities, severities and reminder kinds ("identified",
/// "communications-lead", "backup", "SEV2"), the same for every surface (HTTP, CLI, console): anything
/// else is refused with the allowed words.
/// </summary>
public static class IncidentWords
{
    public static IncidentPhase Phase(string? text) => Named(text, "phase", Enum.GetValues<IncidentPhase>(), IncidentNames.Of);

    public static IncidentRole Role(string? text) => Named(text, "role", Enum.GetValues<IncidentRole>(), IncidentNames.Of);

    /// <summary>Holder when nothing is given.</summary>
    public static RoleSlot Slot(string? text) => text is null ? RoleSlot.Holder : Named(text, "slot", Enum.GetValues<RoleSlot>(), IncidentNames.Of);

    public static IncidentVisibility Visibility(string? text) => Named(text, "visibility", Enum.GetValues<IncidentVisibility>(), IncidentNames.Of);

    /// <summary>region (the default, when nothing is given) or batch: how a restore job's sites are split into streams.</summary>
    public static RestoreStreamGrouping RestoreStreamGrouping(string? text) =>
        text is null ? Incidents.RestoreStreamGrouping.Region : Named(text, "way to split a restore job into streams", Enum.GetValues<RestoreStreamGrouping>(), g => g.ToString().ToLowerInvariant());

    /// <summary>internal-update, customer-update, stream-update, progress, handoff-unacknowledged or customer-not-updated.</summary>
    public static ReminderKind ReminderKind(string? text) => Named(text ?? "", "reminder kind", Enum.GetValues<ReminderKind>(), Internal.ReminderNames.Of);

    /// <summary>"1" to "4", or "SEV1" to "SEV4" in any case.</summary>
    public static IncidentSeverity Severity(string? text) => SeverityOrNull(text) ?? throw NotASeverity($"'{text}'");

    /// <summary>The severity a number 1 to 4 or "SEV1" to "SEV4" names, or null when the text names none.</summary>
    public static IncidentSeverity? SeverityOrNull(string? text)
    {
        var trimmed = text?.Trim() ?? "";
        var digits = trimmed.StartsWith("sev", StringComparison.OrdinalIgnoreCase) ? trimmed[3..] : trimmed;
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 4 ? (IncidentSeverity)n : null;
    }

    /// <summary>The refusal of a severity that is none, <paramref name="given"/> as the caller wrote it.</summary>
    public static PlatformException NotASeverity(string given) => new(PlatformErrorKind.Invalid,
        $"the severity {given} is not one: give 1, 2, 3 or 4, or \"SEV1\", \"SEV2\", \"SEV3\" or \"SEV4\" (SEV1 is the most serious). Nothing was changed.");

    private static T Named<T>(string? text, string what, T[] values, Func<T, string> name)
        where T : struct, Enum
    {
        foreach (var value in values)
        {
            // The C# name too: answers carry it ("CommunicationsLead"), and a client may send back what it read.
            if (string.Equals(name(value), text?.Trim(), StringComparison.OrdinalIgnoreCase) || string.Equals(value.ToString(), text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        throw new PlatformException(PlatformErrorKind.Invalid,
            $"'{text}' is not a {what}: give one of {string.Join(", ", values.Select(name))}. Nothing was changed.");
    }
}
