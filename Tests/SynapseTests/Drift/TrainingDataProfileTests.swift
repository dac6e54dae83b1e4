import Foundation
import Testing
@testable import SynapseEval

/// Building, saving and (defensively) loading training-data profiles.
@Suite struct TrainingDataProfileTests {
    /// 2000 rows of two continuous features and a classifier's predictions.
    static func sampleProfile(referenceSize: Int = 1000) throws -> TrainingDataProfile {
        let sampler = DriftSampler(seed: 7)
        let rows = (0..<2000).map { _ in [sampler.normal(mean: 3, std: 2), sampler.uniform() * 10] }
        let classes = rows.map { _ in sampler.category([0.5, 0.3, 0.2]) }
        return try TrainingDataProfile(featureNames: ["height", "width"], rows: rows,
                                       predictions: .classes(classes, classNames: ["a", "b", "c"]),
                                       referenceSize: referenceSize, seed: 3)
    }

    static func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("synapse-drift-\(UUID().uuidString)-\(name).profile.json")
    }

    @Test func binFractionsSumToOneAndAreDecilesForContinuousData() throws {
        let profile = try Self.sampleProfile()
        #expect(profile.features.map(\.name) == ["height", "width"])
        for feature in profile.features {
            #expect(feature.binEdges.count == 9)
            #expect(abs(feature.binFractions.reduce(0, +) - 1) < 1e-12)
            for fraction in feature.binFractions { #expect(abs(fraction - 0.1) < 0.002, "\(feature.name): \(feature.binFractions)") }
            #expect(feature.count == 2000 && feature.nonFiniteCount == 0)
            #expect(feature.referenceSample.count == 1000)
            #expect(KolmogorovSmirnov.isSorted(feature.referenceSample))
            #expect(feature.min <= feature.quantiles.p01 && feature.quantiles.p99 <= feature.max)
        }
        #expect(abs(profile.features[0].mean - 3) < 0.2 && abs(profile.features[0].std - 2) < 0.2)
        let frequencies = try #require(profile.predictions.classFrequencies)
        #expect(abs(frequencies[0] - 0.5) < 0.05 && abs(frequencies.reduce(0, +) - 1) < 1e-12)
    }

    @Test func sameSeedSameProfileAndNonFiniteValuesAreCounted() throws {
        #expect(try Self.sampleProfile(referenceSize: 100) == Self.sampleProfile(referenceSize: 100))
        let profile = try TrainingDataProfile(featureNames: ["x"], rows: [[1], [.nan], [3], [.infinity], [2]],
                                              predictions: .values([1, 2, 3, 4, 5]))
        #expect(profile.features[0].count == 3 && profile.features[0].nonFiniteCount == 2)
        #expect(profile.features[0].referenceSample == [1, 2, 3])
        #expect(profile.predictions.values?.count == 5)
    }

    @Test func invalidTrainingDataIsATypedError() {
        #expect(throws: DriftProfileError.self) {
            try TrainingDataProfile(featureNames: ["a", "b"], rows: [[1, 2], [3]], predictions: .values([1, 2]))
        }
        #expect(throws: DriftProfileError.self) {
            try TrainingDataProfile(featureNames: ["a"], rows: [[.nan]], predictions: .values([1]))
        }
        #expect(throws: DriftProfileError.self) {
            try TrainingDataProfile(featureNames: ["a"], rows: [[1]], predictions: .classes([3], classNames: ["x"]))
        }
        #expect(throws: DriftProfileError.self) {
            try TrainingDataProfile(featureNames: ["a", "a"], rows: [[1, 2]], predictions: .values([1]))
        }
    }

    @Test func urlSitsBesideTheWeights() {
        let url = TrainingDataProfile.url(forWeights: URL(fileURLWithPath: "/runs/r1/model.safetensors"))
        #expect(url.path == "/runs/r1/model.profile.json")
    }

    @Test func writeThenLoadIsIdentical() throws {
        let profile = try Self.sampleProfile()
        let url = Self.temporaryURL("roundtrip")
        defer { try? FileManager.default.removeItem(at: url) }
        try profile.write(to: url)
        #expect(try TrainingDataProfile.load(from: url) == profile)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains("\"format_version\":1") && text.contains("\"bin_edges\""))
    }

    /// Writes `profile` as JSON, lets `edit` change the parsed object (or the text), and loads it back.
    static func loadEdited(_ profile: TrainingDataProfile, name: String,
                           edit: (inout [String: Any]) -> Void = { _ in },
                           text: (String) -> String = { $0 }) throws(DriftProfileError) -> TrainingDataProfile {
        let url = temporaryURL(name)
        defer { try? FileManager.default.removeItem(at: url) }
        try profile.write(to: url)
        var object = (try? JSONSerialization.jsonObject(with: Data(contentsOf: url))) as? [String: Any] ?? [:]
        edit(&object)
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        try? Data(text(String(decoding: data, as: UTF8.self)).utf8).write(to: url)
        return try TrainingDataProfile.load(from: url)
    }

    /// Replaces `key` of the first feature's object.
    static func setFirstFeature(_ key: String, _ value: Any) -> (inout [String: Any]) -> Void {
        { object in
            var features = object["features"] as? [[String: Any]] ?? []
            features[0][key] = value
            object["features"] = features
        }
    }

    /// The error of loading the edited file; fails the test if it loads.
    static func loadError(_ profile: TrainingDataProfile, _ name: String,
                          edit: (inout [String: Any]) -> Void = { _ in },
                          text: (String) -> String = { $0 }) -> DriftProfileError? {
        do {
            _ = try loadEdited(profile, name: name, edit: edit, text: text)
            Issue.record("\(name): the corrupted profile loaded")
            return nil
        } catch {
            #expect(error.description.contains(name), "\(name): the message does not name the file: \(error)")
            return error
        }
    }

    @Test func untouchedRewriteStillLoads() throws {
        let profile = try Self.sampleProfile(referenceSize: 50)
        #expect(try Self.loadEdited(profile, name: "untouched") == profile)
    }

    @Test func corruptFilesGiveTypedErrors() throws {
        let profile = try Self.sampleProfile(referenceSize: 50)
        func field(_ error: DriftProfileError?) -> String? {
            if case .invalidField(_, let field, _) = error { return field }
            return nil
        }
        // Truncated JSON.
        let truncated = Self.loadError(profile, "truncated", text: { String($0.prefix($0.count / 2)) })
        if case .malformed = truncated {} else { Issue.record("truncated: \(String(describing: truncated))") }
        // Wrong version.
        let version = Self.loadError(profile, "version", edit: { $0["format_version"] = 2 })
        if case .unsupportedVersion(_, 2, 1) = version {} else { Issue.record("version: \(String(describing: version))") }
        // Edges out of order.
        var edges = profile.features[0].binEdges
        edges.swapAt(2, 3)
        #expect(field(Self.loadError(profile, "unsorted", edit: Self.setFirstFeature("bin_edges", edges))) == "features[0].bin_edges[3]")
        // NaN is not JSON; a NaN smuggled in as text is rejected by the parser.
        let nan = Self.loadError(profile, "nan", text: { $0.replacingOccurrences(of: "\"mean\":", with: "\"mean\":NaN,\"x\":") })
        if case .malformed = nan {} else { Issue.record("nan: \(String(describing: nan))") }
        // Huge counts: beyond the row count, and beyond any integer.
        #expect(field(Self.loadError(profile, "hugecount", edit: Self.setFirstFeature("count", 9_000_000_000_000_000_000))) == "features[0].count")
        let overflow = Self.loadError(profile, "overflow", edit: Self.setFirstFeature("count", 1e300))
        if case .malformed = overflow {} else { Issue.record("overflow: \(String(describing: overflow))") }
        // Fractions that do not sum to 1, a fraction out of range, mismatched sizes.
        var fractions = profile.features[0].binFractions
        fractions[0] += 0.5
        #expect(field(Self.loadError(profile, "sum", edit: Self.setFirstFeature("bin_fractions", fractions))) == "features[0].bin_fractions")
        #expect(field(Self.loadError(profile, "range", edit: Self.setFirstFeature("bin_fractions", [-0.5, 1.5] + Array(repeating: 0.0, count: 8)))) == "features[0].bin_fractions[0]")
        #expect(field(Self.loadError(profile, "sizes", edit: Self.setFirstFeature("bin_fractions", [1.0]))) == "features[0].bin_fractions")
        // Reference sample unsorted, or longer than the values it was drawn from.
        #expect(field(Self.loadError(profile, "reference", edit: Self.setFirstFeature("reference_sample", [2.0, 1.0]))) == "features[0].reference_sample")
        #expect(field(Self.loadError(profile, "toolong", edit: Self.setFirstFeature("reference_sample", Array(repeating: 1.0, count: 2001)))) == "features[0].reference_sample")
        // Classes and frequencies of different lengths; a missing field; a missing file.
        let predictions = Self.loadError(profile, "classes", edit: { object in
            var p = object["predictions"] as? [String: Any] ?? [:]
            p["class_frequencies"] = [1.0]
            object["predictions"] = p
        })
        #expect(field(predictions) == "predictions.class_frequencies")
        let missing = Self.loadError(profile, "missingfield", edit: { $0["features"] = nil })
        if case .malformed = missing {} else { Issue.record("missingfield: \(String(describing: missing))") }
        let url = Self.temporaryURL("absent")
        #expect(throws: DriftProfileError.unreadable(path: url.path, reason: "no such file")) { try TrainingDataProfile.load(from: url) }
    }
}
