import CGLPK
import MinimaCore
import MinimaData
import MinimaModel
import MinimaLandscape

/// A linear or mixed-integer program handed to GLPK (the GNU Linear Programming Kit, Debian's
/// `libglpk-dev`): columns with bounds, rows `lower ≤ Σ a_j x_j ≤ upper`, one objective.
///
/// One instance belongs to one thread (GLPK 5 keeps its environment in thread-local storage, so
/// separate problems on separate threads are safe). Terminal output is switched off
/// (`glp_term_out(GLP_OFF)`, per thread) and every return code is checked.
final class LinearProgram {
    private let problem: OpaquePointer
    private var ia: [Int32] = [0], ja: [Int32] = [0], ar: [Double] = [0]   // 1-based triplets
    private(set) var columnCount = 0
    private(set) var rowCount = 0
    private var loaded = false

    enum Outcome: Equatable {
        /// A (for a MIP: the first) solution found, with its objective value.
        case solved(objective: Double)
        /// No point satisfies the constraints.
        case infeasible
        /// The time limit ran out before an answer.
        case timeLimit
    }

    package init(maximize: Bool) {
        glp_term_out(GLP_OFF)
        problem = glp_create_prob()
        glp_set_obj_dir(problem, maximize ? GLP_MAX : GLP_MIN)
    }

    deinit { glp_delete_prob(problem) }

    private static func boundsType(_ lower: Double?, _ upper: Double?) -> (Int32, Double, Double) {
        switch (lower, upper) {
        case (nil, nil): return (GLP_FR, 0, 0)
        case let (l?, nil): return (GLP_LO, l, 0)
        case let (nil, u?): return (GLP_UP, 0, u)
        case let (l?, u?): return l == u ? (GLP_FX, l, u) : (GLP_DB, l, u)
        }
    }

    /// Adds `count` continuous (or binary) columns with the same bounds; returns the 1-based
    /// index of the first.
    @discardableResult
    func addColumns(_ count: Int, lower: Double?, upper: Double?, objective: Double = 0, binary: Bool = false) -> Int {
        let first = Int(glp_add_cols(problem, Int32(count)))
        let (type, l, u) = LinearProgram.boundsType(lower, upper)
        for j in first..<(first + count) {
            if binary {
                glp_set_col_kind(problem, Int32(j), GLP_BV)
            } else {
                glp_set_col_bnds(problem, Int32(j), type, l, u)
            }
            if objective != 0 { glp_set_obj_coef(problem, Int32(j), objective) }
        }
        columnCount += count
        return first
    }

    /// Adds the row `lower ≤ Σ coefficient·x_column ≤ upper` (1-based columns; zeros skipped);
    /// returns its 1-based index.
    @discardableResult
    func addRow(_ terms: [(column: Int, coefficient: Double)], lower: Double?, upper: Double?) -> Int {
        precondition(!loaded, "rows must be added before the first solve")
        let r = glp_add_rows(problem, 1)
        let (type, l, u) = LinearProgram.boundsType(lower, upper)
        glp_set_row_bnds(problem, r, type, l, u)
        for t in terms where t.coefficient != 0 {
            ia.append(r); ja.append(Int32(t.column)); ar.append(t.coefficient)
        }
        rowCount += 1
        return Int(r)
    }

    /// Changes a row's bounds (nil, nil: the row is free, i.e. switched off).
    func setRowBounds(_ r: Int, lower: Double?, upper: Double?) {
        let (type, l, u) = LinearProgram.boundsType(lower, upper)
        glp_set_row_bnds(problem, Int32(r), type, l, u)
    }

    /// Changes a column's bounds.
    func setColumnBounds(_ j: Int, lower: Double?, upper: Double?) {
        let (type, l, u) = LinearProgram.boundsType(lower, upper)
        glp_set_col_bnds(problem, Int32(j), type, l, u)
    }

    /// The value of column j in the last LP solution.
    package func value(_ j: Int) -> Double { glp_get_col_prim(problem, Int32(j)) }

    private func loadMatrix() {
        guard !loaded else { return }
        loaded = true
        ia.withUnsafeBufferPointer { pi in
            ja.withUnsafeBufferPointer { pj in
                ar.withUnsafeBufferPointer { pa in
                    glp_load_matrix(problem, Int32(ar.count - 1), pi.baseAddress!, pj.baseAddress!, pa.baseAddress!)
                }
            }
        }
    }

    /// Solves the LP by the simplex method (`glp_simplex`, presolver on).
    func solveLP(timeLimitSeconds: Double) throws -> Outcome {
        try simplex(timeLimitSeconds: timeLimitSeconds, warmStart: false)
    }

    /// Re-solves after bound changes, starting from the last basis (dual simplex first, which
    /// is what a bound change leaves feasible; no presolver, so the basis is kept).
    func resolveLP(timeLimitSeconds: Double) throws -> Outcome {
        try simplex(timeLimitSeconds: timeLimitSeconds, warmStart: true)
    }

    private func simplex(timeLimitSeconds: Double, warmStart: Bool) throws -> Outcome {
        loadMatrix()
        var parm = glp_smcp()
        glp_init_smcp(&parm)
        parm.msg_lev = GLP_MSG_OFF
        if warmStart { parm.meth = GLP_DUALP } else { parm.presolve = GLP_ON }
        parm.tm_lim = Int32(min(max(timeLimitSeconds, 0.001) * 1000, Double(Int32.max)))
        var ret = glp_simplex(problem, &parm)
        if warmStart && (ret == GLP_EBADB || ret == GLP_ESING || ret == GLP_ECOND) {
            // the kept basis became unusable: start again from an advanced basis
            glp_adv_basis(problem, 0)
            ret = glp_simplex(problem, &parm)
        }
        switch ret {
        case 0: break
        case GLP_ENOPFS: return .infeasible
        case GLP_ETMLIM: return .timeLimit
        default: throw MinimaError.numerical("GLPK glp_simplex failed with code \(ret)")
        }
        switch glp_get_status(problem) {
        case GLP_OPT: return .solved(objective: glp_get_obj_val(problem))
        case GLP_NOFEAS: return .infeasible
        case let s: throw MinimaError.numerical("GLPK glp_simplex ended with status \(s)")
        }
    }

    /// Branch and bound (`glp_intopt`, presolver on) that stops at the first integer-feasible
    /// solution: the callers only ask whether one exists.
    func solveFirstFeasibleMIP(timeLimitSeconds: Double) throws -> Outcome {
        loadMatrix()
        var parm = glp_iocp()
        glp_init_iocp(&parm)
        parm.msg_lev = GLP_MSG_OFF
        parm.presolve = GLP_ON
        parm.tm_lim = Int32(min(timeLimitSeconds * 1000, Double(Int32.max)))
        parm.cb_func = { tree, _ in
            if glp_ios_reason(tree) == GLP_IBINGO { glp_ios_terminate(tree) }
        }
        let ret = glp_intopt(problem, &parm)
        switch ret {
        case 0, GLP_ESTOP: break
        case GLP_ENOPFS: return .infeasible
        case GLP_ETMLIM:
            if glp_mip_status(problem) == GLP_FEAS { return .solved(objective: glp_mip_obj_val(problem)) }
            return .timeLimit
        default: throw MinimaError.numerical("GLPK glp_intopt failed with code \(ret)")
        }
        switch glp_mip_status(problem) {
        case GLP_OPT, GLP_FEAS: return .solved(objective: glp_mip_obj_val(problem))
        case GLP_NOFEAS: return .infeasible
        case let s: throw MinimaError.numerical("GLPK glp_intopt ended with status \(s)")
        }
    }
}
