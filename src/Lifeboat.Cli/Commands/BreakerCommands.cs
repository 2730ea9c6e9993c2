using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using static Lifeboat.Platform.Access.Permissions;
using static Lifeboat.Cli.Commands.PlatformCommand;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat breaker …`: the limits on the rate of destruction the database enforces, and its trips.</summary>
internal static class BreakerCommands
{
    public static Command Create(GlobalOptions g, IAnsiConsole console)
    {
        var breaker = new Command("breaker", "The breaker: destructive writes over a limit are refused in their own transaction; a trip stays open until reset");

        breaker.Add(new Command("limits", "The limits in force (set by the change-plan policy)").With(g, BreakerRead, async (p, platform, ct) =>
        {
            var limits = await platform.Breaker.LimitsAsync(ct);
            if (limits.Count == 0)
            {
                console.MarkupLine("The breaker is off: no limit is in force.");
                return LifeboatCli.Ok;
            }

            var table = new Table().AddColumns("Scope", "Action", "At most", "Per");
            foreach (var l in limits)
            {
                table.AddRow(l.Scope.ToString().ToLowerInvariant(), E(l.Action), l.MaxCount.ToString("N0", CultureInfo.InvariantCulture), $"{l.WindowSeconds} s");
            }

            console.Write(table);
            return LifeboatCli.Ok;
        }));

        var list = new Command("list", "The breaker's refusals, newest first");
        var open = new Option<bool>("--open") { Description = "Only trips not reset yet" };
        list.Add(open);
        list.With(g, BreakerRead, async (p, platform, ct) =>
        {
            var table = new Table().AddColumns("Trip", "Tripped", "Refused", "Tenant", "Actor", "Plan", "Reset by", "Reason");
            foreach (var t in await platform.Breaker.ListAsync(p.GetValue(open), ct))
            {
                table.AddRow(t.TripId.ToString(CultureInfo.InvariantCulture), StoreCommands.Time(t.TrippedAt), E(t.Describe()), E(t.Tenant), E(t.Actor), E(t.Operation ?? "-"),
                    t.IsOpen ? "[red]open[/]" : E(t.ResetBy), E(t.ResetReason ?? ""));
            }

            console.Write(table);
            return LifeboatCli.Ok;
        });
        breaker.Add(list);

        var trip = new Argument<long>("trip") { Description = "The trip's number (lifeboat breaker list)" };
        var reason = new Option<string>("--reason") { Description = "What destroyed data, and why it is safe to go on", Required = true };
        breaker.Add(new Command("reset", "Reset a trip: its scope counts afresh, and the alert raised for it is acknowledged") { trip, reason }.With(g, BreakerManage, console, async (p, platform, ct) =>
        {
            var found = await platform.Breaker.GetAsync(p.GetValue(trip), ct);
            if (!found.IsOpen)
            {
                throw new Storage.BreakerException($"breaker trip {found.TripId} was already reset by {found.ResetBy} at {found.ResetAt:u} ({found.ResetReason}).");
            }

            var reset = await platform.Breaker.ResetAsync(found.TripId, p.GetValue(reason)!, ct);
            return $"Reset trip {reset.TripId} ({E(reset.Describe())}). Plans it halted resume with: lifeboat plan resume <plan> --ack {reset.Code}";
        }));
        return breaker;
    }
}
