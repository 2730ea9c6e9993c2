using System.Globalization;
using System.Text;

namespace Lifeboat.Retrospectives.Output;

/// <summary>
/// A retrospective as one Markdown document: the figures with the instants they were measured between, data loss per customer,
/// KPT, the actions by kind with their evidence, the roles and handoffs, and the timeline, pinned events first. Text people
/// wrote is escaped so it cannot open a table cell, a heading or a link of its own.
/// </summary>
public static class RetrospectiveMarkdown
{
    public static string Write(Retrospective retro)
    {
        ArgumentNullException.ThrowIfNull(retro);
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"# Retrospective: {Escape(retro.Title)}\n\n");
        md.Append(CultureInfo.InvariantCulture, $"- Incident: `{retro.Incident}`{(retro.Drill ? " (a drill)" : "")}\n");
        md.Append(CultureInfo.InvariantCulture, $"- State: {retro.State.ToString().ToLowerInvariant()}{(retro.CompletedAt is { } c ? $", completed {Time(c)} by {Escape(retro.CompletedBy!)}" : "")}\n");
        md.Append(CultureInfo.InvariantCulture, $"- Opened {Time(retro.OpenedAt)} by {Escape(retro.OpenedBy)}\n");
        if (retro.MissingKinds.Count > 0)
        {
            md.Append(CultureInfo.InvariantCulture, $"- Kinds still without an action or a \"not needed\": {string.Join(", ", retro.MissingKinds.Select(RetrospectiveNames.Of))}\n");
        }

        var draft = retro.Draft;
        if (draft is not null)
        {
            md.Append(CultureInfo.InvariantCulture, $"\n## Figures\n\nDraft {draft.Number}, written {Time(draft.WrittenAt)} by {Escape(draft.WrittenBy)} from the recorded facts.\n\n");
            md.Append("| figure | value | measured from | to |\n|---|---|---|---|\n");
            foreach (var f in draft.Figures)
            {
                var from = f.From is { } a ? $"{Time(a)} ({Escape(f.FromWhat!)})" : "";
                var to = f.To is { } b ? $"{Time(b)} ({Escape(f.ToWhat!)})" : "";
                var value = f.Status == FigureStatus.Measured ? Escape(f.Value) : $"{Escape(f.Value)}: {Escape(f.Why ?? "")}";
                md.Append(CultureInfo.InvariantCulture, $"| {Escape(f.Name)} | {value} | {from} | {to} |\n");
            }

            md.Append("\n## Data lost per customer\n\n");
            if (draft.DataLoss.Count == 0)
            {
                md.Append("No site was affected.\n");
            }
            else
            {
                md.Append("| customer | sites | data lost | why |\n|---|---|---|---|\n");
                foreach (var l in draft.DataLoss)
                {
                    var loss = l.LostAfter is { } after ? $"{l.Loss}: writes after {Time(after)}" : l.Loss;
                    md.Append(CultureInfo.InvariantCulture, $"| {Escape(l.Customer)}{(l.Account is null ? "" : $" (`{l.Account}`)")} | {l.Sites} | {loss} | {Escape(l.Cause)} |\n");
                }
            }
        }

        md.Append("\n## KPT\n");
        foreach (var kind in Enum.GetValues<EntryKind>())
        {
            md.Append(CultureInfo.InvariantCulture, $"\n### {kind}\n\n");
            var entries = retro.Entries.Where(e => e.Kind == kind).ToList();
            if (entries.Count == 0)
            {
                md.Append("(none)\n");
            }

            foreach (var e in entries)
            {
                var revised = e.Revisions.Count > 1 ? $", revised {e.Revisions.Count - 1} time(s), last by {Escape(e.Revisions[^1].WrittenBy)}" : "";
                md.Append(CultureInfo.InvariantCulture, $"- {Escape(e.Text)} — {Escape(e.Author)}, {Time(e.WrittenAt)}{revised}\n");
            }
        }

        md.Append("\n## Actions\n");
        foreach (var kind in Enum.GetValues<ActionKind>())
        {
            md.Append(CultureInfo.InvariantCulture, $"\n### {RetrospectiveNames.Of(kind)}\n\n");
            var notNeeded = retro.NotNeeded.FirstOrDefault(n => n.Kind == kind);
            if (notNeeded is not null)
            {
                md.Append(CultureInfo.InvariantCulture, $"Not needed: {Escape(notNeeded.Reason)} — {Escape(notNeeded.DecidedBy)}, {Time(notNeeded.DecidedAt)}\n\n");
            }

            foreach (var a in retro.Actions.Where(a => a.Kind == kind))
            {
                var box = a.State == ActionState.Done ? "[x]" : "[ ]";
                md.Append(CultureInfo.InvariantCulture, $"- {box} #{a.Number} {Escape(a.Title)} — owner {Escape(a.Owner)}, due {a.Due:yyyy-MM-dd}, {RetrospectiveNames.Of(a.State)}");
                if (a.State == ActionState.Dropped)
                {
                    md.Append(CultureInfo.InvariantCulture, $" ({Escape(a.DropReason!)})");
                }

                if (a.Evidence is not null)
                {
                    md.Append(CultureInfo.InvariantCulture, $"; evidence ({RetrospectiveNames.Of(a.EvidenceKind!.Value)}): {Escape(a.Evidence)}");
                }

                md.Append('\n');
            }

            if (notNeeded is null && !retro.Actions.Any(a => a.Kind == kind))
            {
                md.Append("(no action yet)\n");
            }
        }

        if (retro.Reminders.Count > 0)
        {
            md.Append("\n## Reminders fired\n\n");
            foreach (var r in retro.Reminders)
            {
                md.Append(CultureInfo.InvariantCulture, $"- {Time(r.FiredAt)}: {Escape(r.Text)}\n");
            }
        }

        if (draft is not null)
        {
            md.Append("\n## Roles and handoffs\n\n");
            foreach (var r in draft.Roles)
            {
                md.Append(CultureInfo.InvariantCulture, $"- {r.Role}{(r.Slot == "backup" ? " (backup)" : "")}: {Escape(r.Person)}, {Time(r.From)} – {(r.Until is { } u ? Time(u) : "the end")}\n");
            }

            foreach (var h in draft.Handoffs)
            {
                var ack = h.AcknowledgedAt is { } at ? $"acknowledged {Time(at)} by {Escape(h.AcknowledgedBy!)}" : "never acknowledged";
                md.Append(CultureInfo.InvariantCulture, $"- Handoff {h.Id}: {h.Role}{(h.Slot == "backup" ? " (backup)" : "")} from {Escape(h.From)} to {Escape(h.To)} at {Time(h.HandedAt)}, {ack}\n");
            }

            md.Append("\n## Timeline\n\nPinned events first, then every event in order.\n\n");
            foreach (var e in draft.Timeline)
            {
                md.Append(CultureInfo.InvariantCulture, $"- {(e.Pinned ? "📌 " : "")}{Time(e.At)} **{e.Kind}** {Escape(e.Actor)}: {Escape(e.Text)}\n");
            }
        }

        return md.ToString();
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>Escapes Markdown's punctuation and keeps a person's text on one line (a table row or list item).</summary>
    private static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var ch in text)
        {
            if (ch is '\r' or '\n')
            {
                sb.Append(' ');
            }
            else
            {
                if (ch is '\\' or '`' or '*' or '_' or '[' or ']' or '<' or '>' or '#' or '|' or '!')
                {
                    sb.Append('\\');
                }

                sb.Append(ch);
            }
        }

        return sb.ToString();
    }
}
