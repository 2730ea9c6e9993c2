using System.Globalization;
using Lifeboat.Communication.Figures;
using Lifeboat.Communication.Updates;

namespace Lifeboat.Communication.Templates;

/// <summary>The figures in words, in each language a default template comes in (English and Japanese).</summary>
public abstract class FigureText
{
    public static IReadOnlyList<string> Languages { get; } = ["en", "ja"];

    public static FigureText Of(string language) => language switch
    {
        "ja" => new Japanese(),
        _ => new English(),
    };

    public abstract string Phase(UpdatePhase phase);

    public abstract string Confidence(Confidence confidence);

    public abstract string State(string restoreState);

    public abstract string Eta(RestoreEta? eta);

    public abstract string Loss(DataLoss loss);

    /// <summary>The loss of several sites in one sentence: none proved for all, or how many are verified and what the rest may lose.</summary>
    public abstract string LossSummary(IReadOnlyList<SiteFigure> sites);

    protected static string When(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    protected static string Minutes(TimeSpan t) => Math.Max(1, (int)Math.Ceiling(t.TotalMinutes)).ToString(CultureInfo.InvariantCulture);

    private sealed class English : FigureText
    {
        public override string Phase(UpdatePhase phase) => phase switch
        {
            UpdatePhase.Investigating => "investigating",
            UpdatePhase.Identified => "identified",
            UpdatePhase.Restoring => "restoring",
            UpdatePhase.Monitoring => "monitoring",
            _ => "recovered",
        };

        public override string Confidence(Confidence confidence) => confidence switch
        {
            Figures.Confidence.Verified => "verified",
            Figures.Confidence.Estimated => "estimated",
            _ => "unknown",
        };

        public override string State(string restoreState) => restoreState switch
        {
            "restored" => "restored",
            "failed" => "being repaired",
            "none" => "waiting to be restored",
            "cancelled" => "restore on hold",
            _ => "being restored",
        };

        public override string Eta(RestoreEta? eta) => eta switch
        {
            null => "not measured yet: the restore has not finished its first sites",
            { SitesLeft: 0 } => "none: every site is back",
            _ => $"{Minutes(eta.Low)} to {Minutes(eta.High)} minutes",
        };

        public override string Loss(DataLoss loss) => loss.Confidence switch
        {
            Figures.Confidence.Verified => "none: verified equal to the instant before the damage",
            Figures.Confidence.Estimated => loss.LostAfter is { } after ? $"changes made after {When(after)} may be lost ({loss.Cause})" : $"may be lost ({loss.Cause})",
            _ => $"not known yet ({loss.Cause})",
        };

        public override string LossSummary(IReadOnlyList<SiteFigure> sites)
        {
            var verified = sites.Count(s => s.Loss.None);
            if (sites.Count > 0 && verified == sites.Count)
            {
                return "none: every restored site was verified equal to the instant before the damage";
            }

            var estimated = sites.Count(s => s.Loss.Confidence == Figures.Confidence.Estimated);
            var unknown = sites.Count - verified - estimated;
            var parts = new List<string>();
            if (verified > 0)
            {
                parts.Add($"none for {verified} site(s), verified equal to the instant before the damage");
            }

            if (estimated > 0)
            {
                parts.Add($"{estimated} site(s) restored to an earlier point, so their later changes may be lost");
            }

            if (unknown > 0)
            {
                parts.Add($"not known yet for {unknown} site(s) still being restored");
            }

            return string.Join("; ", parts);
        }
    }

    private sealed class Japanese : FigureText
    {
        public override string Phase(UpdatePhase phase) => phase switch
        {
            UpdatePhase.Investigating => "調査中",
            UpdatePhase.Identified => "原因特定",
            UpdatePhase.Restoring => "復旧作業中",
            UpdatePhase.Monitoring => "経過観察中",
            _ => "復旧済み",
        };

        public override string Confidence(Confidence confidence) => confidence switch
        {
            Figures.Confidence.Verified => "検証済み",
            Figures.Confidence.Estimated => "推定",
            _ => "不明",
        };

        public override string State(string restoreState) => restoreState switch
        {
            "restored" => "復旧済み",
            "failed" => "対応中",
            "none" => "復旧待ち",
            "cancelled" => "保留中",
            _ => "復旧中",
        };

        public override string Eta(RestoreEta? eta) => eta switch
        {
            null => "未計測（最初のサイトの復旧が終わるまでお待ちください）",
            { SitesLeft: 0 } => "なし（すべてのサイトが復旧しました）",
            _ => $"{Minutes(eta.Low)}〜{Minutes(eta.High)}分",
        };

        public override string Loss(DataLoss loss) => loss.Confidence switch
        {
            Figures.Confidence.Verified => "なし（障害直前の状態と一致することを検証済み）",
            Figures.Confidence.Estimated => loss.LostAfter is { } after ? $"{When(after)}以降の変更が失われた可能性があります" : "一部の変更が失われた可能性があります",
            _ => "まだ分かりません（復旧作業中）",
        };

        public override string LossSummary(IReadOnlyList<SiteFigure> sites)
        {
            var verified = sites.Count(s => s.Loss.None);
            if (sites.Count > 0 && verified == sites.Count)
            {
                return "なし（復旧したすべてのサイトが障害直前の状態と一致することを検証済み）";
            }

            var estimated = sites.Count(s => s.Loss.Confidence == Figures.Confidence.Estimated);
            var unknown = sites.Count - verified - estimated;
            var parts = new List<string>();
            if (verified > 0)
            {
                parts.Add($"{verified}サイトはなし（検証済み）");
            }

            if (estimated > 0)
            {
                parts.Add($"{estimated}サイトは以前の時点に復元したため、その後の変更が失われた可能性があります");
            }

            if (unknown > 0)
            {
                parts.Add($"{unknown}サイトは復旧作業中のため未確定");
            }

            return string.Join("、", parts);
        }
    }
}
