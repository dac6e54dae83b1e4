import ArgumentParser
import Foundation
import Synapse

extension FineTuneRecipe: ExpressibleByArgument {}

/// The flags of fine-tuning a pretrained encoder on labelled text (`--model minilm`).
struct FineTuneOptions: ParsableArguments {
    @Option(help: "What trains: frozen (the encoder frozen, a linear head only), lora (LoRA adapters on query and value, plus the head), full (every weight). Default lora.")
    var finetune: FineTuneRecipe?

    @Option(name: .customLong("lora-rank"), parsing: .unconditional, help: "--finetune lora: the adapters' rank r (default 8).")
    var loraRank: Int?

    @Option(name: .customLong("lora-alpha"), parsing: .unconditional, help: "--finetune lora: alpha; updates are scaled by alpha / r (default 2 × rank).")
    var loraAlpha: Double?

    @Option(name: .customLong("lora-dropout"), parsing: .unconditional, help: "--finetune lora: dropout on the adapters' inputs (default 0.1).")
    var loraDropout: Double?

    @Option(name: .customLong("max-length"), parsing: .unconditional,
            help: "Tokens per text at most, [CLS] and [SEP] included; longer texts are truncated (default 128).")
    var maxLength: Int?

    @Option(name: .customLong("weight-decay"), parsing: .unconditional,
            help: "AdamW's weight decay on weight matrices; biases and LayerNorm are exempt (default 0.01).")
    var weightDecay: Double?

    /// The flags of this group, as they are spelled.
    static let flags = ["--finetune", "--lora-rank", "--lora-alpha", "--lora-dropout", "--max-length", "--weight-decay"]

    /// The group's flags given on the command line (or in --config).
    var given: [String] {
        [("--finetune", finetune != nil), ("--lora-rank", loraRank != nil), ("--lora-alpha", loraAlpha != nil),
         ("--lora-dropout", loraDropout != nil), ("--max-length", maxLength != nil), ("--weight-decay", weightDecay != nil)].filter(\.1).map(\.0)
    }

    /// The recipe this run uses.
    var recipe: FineTuneRecipe { finetune ?? .lora }

    /// Refuses out-of-range values and LoRA settings on a run that trains no adapters.
    func validateValues() throws {
        if recipe != .lora {
            let idle = given.filter { $0.hasPrefix("--lora-") }
            if !idle.isEmpty {
                throw ValidationError("\(idle.joined(separator: ", ")) only \(idle.count == 1 ? "applies" : "apply") with --finetune lora "
                                      + "(not \(recipe.rawValue))")
            }
        }
        do { try options(recipe: recipe).validate() } catch {
            // Only the group's own values are checked here; the shared controls are checked elsewhere.
            if case .invalidOption(let name, _) = error, Self.flags.contains("--\(name)") { throw ValidationError(error.description) }
        }
    }

    /// The job's options with this group's values (the rest at their defaults).
    func options(recipe: FineTuneRecipe) -> TextClassificationOptions {
        var o = TextClassificationOptions(recipe: recipe, output: URL(fileURLWithPath: "weights.safetensors"))
        o.loraRank = loraRank ?? o.loraRank
        o.loraAlpha = loraAlpha
        o.loraDropout = loraDropout ?? o.loraDropout
        o.maxLength = maxLength ?? o.maxLength
        o.weightDecay = weightDecay ?? o.weightDecay
        return o
    }
}
