using Lifeboat.Platform.Plans;

namespace Lifeboat.Platform.Tests;

/// <summary>What a person who wrote a plan or policy file reads when it is wrong.</summary>
public sealed class PlanFileTests
{
    [Fact]
    public void AnUnknownKey_IsNamedWithItsLine_AndTheKeysAllowed_NotTheTypeItWasReadInto()
    {
        var e = Should.Throw<PlatformException>(() => PlanFile.Parse("action: delete-site\ntarget: site\ntargets: [site_01]\nreason: x\ntaget: y\n", "plan.yaml"));

        e.Message.ShouldBe("plan plan.yaml, line 5: unknown key 'taget'; the keys allowed are: action, target, targets, targets-file, reason, parameters, override, incident.");
        e.Message.ShouldNotContain("Model");
    }

    [Fact]
    public void ATargetsFileThatIsEmpty_IsNamed_AndSaidToBeEmpty()
    {
        var e = Should.Throw<PlatformException>(() => PlanFile.Parse(
            "action: uninstall-app\ntarget: app-installation\ntargets-file: installations.txt\nreason: Retire Legacy Insights\n", "plan.yaml", _ => "# none yet\n\n"));

        e.Message.ShouldBe(
            "plan plan.yaml names the targets-file 'installations.txt', and that file is empty: it lists no ID (one per line; # starts a comment). Put the IDs in it, or list them under 'targets'.");
    }

    [Fact]
    public void APlanWithNoTargetsAtAll_SaysWhereTheyGo()
    {
        Should.Throw<PlatformException>(() => PlanFile.Parse("action: delete-site\ntarget: site\nreason: x\n", "plan.yaml"))
            .Message.ShouldBe("plan plan.yaml has no targets: list them under 'targets' or name a 'targets-file'.");
    }

    [Fact]
    public void AnUnknownKeyInAPolicy_IsNamedWithTheKeysAllowedWhereItStands()
    {
        Should.Throw<PlatformException>(() => PlanPolicy.Parse("waves:\n  canary-percentt: 5\n", "p.yaml"))
            .Message.ShouldBe("policy p.yaml, line 2: unknown key 'canary-percentt'; the keys allowed there are: canary-percent, growth, pace-milliseconds.");
        Should.Throw<PlatformException>(() => PlanPolicy.Parse("hard-capz: 3\n", "p.yaml")).Message.ShouldStartWith("policy p.yaml, line 1: unknown key 'hard-capz'; the keys allowed are: second-approver-above,");
    }
}
