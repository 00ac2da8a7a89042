import Foundation

/// The result of fetching or reading one document.
enum DocumentOutcome: Sendable {
    case document(CollectedDocument)
    case failure(EndpointFailure)

    /// Returns the documents and the failures of `outcomes`, each in their order.
    static func split<Outcomes: Sequence<DocumentOutcome>>(_ outcomes: Outcomes) -> (documents: [CollectedDocument], failures: [EndpointFailure]) {
        var documents: [CollectedDocument] = []
        var failures: [EndpointFailure] = []
        for outcome in outcomes {
            switch outcome {
            case .document(let document): documents.append(document)
            case .failure(let failure): failures.append(failure)
            }
        }
        return (documents, failures)
    }
}

/// Runs `operation` on every element with at most `limit` operations running at once, and returns
/// the outputs in the order of `elements`, whatever order they finish in.
func concurrentMap<Element: Sendable, Output: Sendable>(
    _ elements: [Element], limit: Int, _ operation: @escaping @Sendable (Element) async -> Output
) async -> [Output] {
    await withTaskGroup(of: (Int, Output).self) { group in
        var outputs = [Output?](repeating: nil, count: elements.count)
        var next = 0

        func startNext() {
            let index = next
            let element = elements[index]
            group.addTask { (index, await operation(element)) }
            next += 1
        }

        while next < min(max(limit, 1), elements.count) { startNext() }
        while let (index, output) = await group.next() {
            outputs[index] = output
            if next < elements.count { startNext() }
        }
        return outputs.map { $0! }
    }
}
