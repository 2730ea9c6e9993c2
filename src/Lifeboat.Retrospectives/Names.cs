using Lifeboat.Platform;

namespace Lifeboat.Retrospectives;

/// <summary>The words the module's kinds are written as (in the database, the API, the CLI and the Markdown) and read back from.</summary>
public static class RetrospectiveNames
{
    public static string Of(ActionKind kind) => kind switch
    {
        ActionKind.ConfirmCause => "confirm-cause",
        ActionKind.MakeFixPermanent => "make-fix-permanent",
        ActionKind.PreventRecurrence => "prevent-recurrence",
        ActionKind.DetectSooner => "detect-sooner",
        ActionKind.RecoverFaster => "recover-faster",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not an action kind"),
    };

    public static string Of(EntryKind kind) => kind.ToString().ToLowerInvariant();

    public static string Of(ActionState state) => state.ToString().ToLowerInvariant();

    public static string Of(EvidenceKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>Reads an action kind as its word or its C# name (what the API answers), refusing anything else with the five.</summary>
    public static ActionKind ReadActionKind(string? word)
    {
        var given = word?.Trim();
        foreach (var kind in Enum.GetValues<ActionKind>())
        {
            if (string.Equals(Of(kind), given, StringComparison.OrdinalIgnoreCase) || string.Equals(kind.ToString(), given, StringComparison.OrdinalIgnoreCase))
            {
                return kind;
            }
        }

        throw new PlatformException(PlatformErrorKind.Invalid,
            $"'{word}' is not a kind of action: use one of {string.Join(", ", Enum.GetValues<ActionKind>().Select(Of))}. Nothing was changed.");
    }

    public static EntryKind ReadEntryKind(string? word)
    {
        var given = word?.Trim();
        foreach (var kind in Enum.GetValues<EntryKind>())
        {
            if (string.Equals(kind.ToString(), given, StringComparison.OrdinalIgnoreCase))
            {
                return kind;
            }
        }

        throw new PlatformException(PlatformErrorKind.Invalid, $"'{word}' is not a KPT kind: use keep, problem or try. Nothing was changed.");
    }

    internal static ActionKind ActionKindFromDatabase(string word) => Enum.GetValues<ActionKind>().Single(k => Of(k) == word);
}
