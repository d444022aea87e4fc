//! `--where` filters: comparisons of a column with a literal, joined by `and`
//! / `or` (with `not` and parentheses).
//!
//! ```text
//! filter     := or
//! or         := and ( "or" and )*
//! and        := not ( "and" not )*
//! not        := "not" not | "(" or ")" | comparison
//! comparison := column op literal
//! op         := "=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">="
//! literal    := 'text' | "text" | number | true | false
//! column     := a name of letters, digits, `_`, `.`, `-` (not starting with a digit or `-`) | `any name`
//! ```
//!
//! Keywords are case-insensitive; `and` binds tighter than `or`. A string in
//! single or double quotes doubles its quote character to include it
//! (`'it''s'`).
//!
//! Logic is three-valued, as in SQL: a comparison with a missing cell (null
//! or empty text) is unknown, whatever the operator, and so is a numeric
//! comparison with NaN or with text that does not read as a number. `and`,
//! `or` and `not` follow Kleene's rules (false and unknown is false, true or
//! unknown is true, not unknown is unknown), and a row is kept only where the
//! filter is true: `x != 'a'` and `not x = 'a'` do not keep rows where `x` is
//! missing.
//!
//! Typing: a bare number literal compares numerically — with a number column,
//! and with a text column whose cells read as numbers (integers exactly,
//! others as floats), which is how `year >= 2025` works on CSV read as text.
//! A quoted literal compares as text with a text column (byte order, so ISO
//! dates order correctly) and numerically with a number column when it reads
//! as a number. A boolean column compares with `true` / `false` by `=` and
//! `!=`; a text column with them case-insensitively. Dates and timestamps
//! compare as their ISO 8601 text.
//!
//! ```
//! use accord_fairness::filter::Filter;
//! let filter = Filter::parse("region = 'EU' and (year >= 2025 or tier != \"free\")").unwrap();
//! assert_eq!(filter.columns(), ["region", "tier", "year"]);
//! let error = Filter::parse("region = EU").unwrap_err();
//! assert_eq!(error.column, 10);
//! ```

use std::fmt;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;

use crate::FairnessError;

/// A parse error, located by its 1-based column (in characters) in the filter text.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct FilterError {
    pub filter: String,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Invalid filter at column {}: {}\n  {}\n  {}^",
            self.column,
            self.message,
            self.filter,
            " ".repeat(self.column.saturating_sub(1))
        )
    }
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    fn holds(self, order: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Op::Eq => order == Equal,
            Op::Ne => order != Equal,
            Op::Lt => order == Less,
            Op::Le => order != Greater,
            Op::Gt => order == Greater,
            Op::Ge => order != Less,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

/// A literal to compare with.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// Quoted text. `number` is its value when it reads as a number.
    Text {
        text: String,
        number: Option<f64>,
    },
    /// A bare number; `integer` when it is one.
    Number {
        value: f64,
        integer: Option<i64>,
        text: String,
    },
    Bool(bool),
}

/// A parsed filter.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Compare {
        column: String,
        /// 1-based position of the column name in the filter text.
        position: usize,
        op: Op,
        literal: Literal,
    },
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
}

/// A `--where` filter, parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    pub text: String,
    pub expr: Expr,
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Ident(String),
    /// A column name in backticks.
    Quoted(String),
    Text(String),
    Number(String),
    Op(Op),
    Open,
    Close,
}

struct Lexed {
    token: Token,
    /// 1-based character column.
    column: usize,
}

fn lex(text: &str) -> Result<Vec<Lexed>, FilterError> {
    let error = |column: usize, message: String| FilterError {
        filter: text.to_string(),
        column,
        message,
    };
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let token = match c {
            '(' => {
                i += 1;
                Token::Open
            }
            ')' => {
                i += 1;
                Token::Close
            }
            '=' => {
                i += if chars.get(i + 1) == Some(&'=') { 2 } else { 1 };
                Token::Op(Op::Eq)
            }
            '!' => {
                if chars.get(i + 1) == Some(&'=') {
                    i += 2;
                    Token::Op(Op::Ne)
                } else {
                    return Err(error(column, "expected `!=`".into()));
                }
            }
            '<' => match chars.get(i + 1) {
                Some('=') => {
                    i += 2;
                    Token::Op(Op::Le)
                }
                Some('>') => {
                    i += 2;
                    Token::Op(Op::Ne)
                }
                _ => {
                    i += 1;
                    Token::Op(Op::Lt)
                }
            },
            '>' => {
                if chars.get(i + 1) == Some(&'=') {
                    i += 2;
                    Token::Op(Op::Ge)
                } else {
                    i += 1;
                    Token::Op(Op::Gt)
                }
            }
            '\'' | '"' | '`' => {
                let quote = c;
                let mut value = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(error(column, format!("this {quote} is never closed")));
                        }
                        Some(&q) if q == quote => {
                            if chars.get(i + 1) == Some(&quote) {
                                value.push(quote);
                                i += 2;
                            } else {
                                i += 1;
                                break;
                            }
                        }
                        Some(&other) => {
                            value.push(other);
                            i += 1;
                        }
                    }
                }
                if quote == '`' {
                    Token::Quoted(value)
                } else {
                    Token::Text(value)
                }
            }
            c if c.is_ascii_digit()
                || ((c == '-' || c == '+' || c == '.')
                    && chars
                        .get(i + 1)
                        .is_some_and(|n| n.is_ascii_digit() || *n == '.')) =>
            {
                let start = i;
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric()
                        || chars[i] == '.'
                        || ((chars[i] == '-' || chars[i] == '+')
                            && matches!(chars[i - 1], 'e' | 'E')))
                {
                    i += 1;
                }
                Token::Number(chars[start..i].iter().collect())
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '.' | '-'))
                {
                    i += 1;
                }
                Token::Ident(chars[start..i].iter().collect())
            }
            other => {
                return Err(error(column, format!("unexpected `{other}`")));
            }
        };
        out.push(Lexed { token, column });
    }
    Ok(out)
}

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Lexed>,
    next: usize,
}

fn is_keyword(token: &Token, word: &str) -> bool {
    matches!(token, Token::Ident(name) if name.eq_ignore_ascii_case(word))
}

impl Parser<'_> {
    fn error(&self, column: usize, message: impl Into<String>) -> FilterError {
        FilterError {
            filter: self.text.to_string(),
            column,
            message: message.into(),
        }
    }

    /// Column of the next token, or one past the end.
    fn here(&self) -> usize {
        self.tokens
            .get(self.next)
            .map(|t| t.column)
            .unwrap_or_else(|| self.text.chars().count() + 1)
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next).map(|t| &t.token)
    }

    fn or(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.and()?;
        while self.peek().is_some_and(|t| is_keyword(t, "or")) {
            self.next += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.not()?;
        while self.peek().is_some_and(|t| is_keyword(t, "and")) {
            self.next += 1;
            let right = self.not()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, FilterError> {
        let column = self.here();
        match self.peek() {
            Some(t) if is_keyword(t, "not") => {
                self.next += 1;
                Ok(Expr::Not(Box::new(self.not()?)))
            }
            Some(Token::Open) => {
                self.next += 1;
                let inner = self.or()?;
                if self.peek() == Some(&Token::Close) {
                    self.next += 1;
                    Ok(inner)
                } else {
                    Err(self.error(
                        self.here(),
                        format!("expected `)` to close the `(` at column {column}"),
                    ))
                }
            }
            _ => self.comparison(),
        }
    }

    fn comparison(&mut self) -> Result<Expr, FilterError> {
        let position = self.here();
        let column = match self.peek() {
            Some(Token::Ident(name))
                if !["and", "or", "not", "true", "false"]
                    .iter()
                    .any(|k| name.eq_ignore_ascii_case(k)) =>
            {
                name.clone()
            }
            Some(Token::Quoted(name)) => name.clone(),
            None => {
                return Err(self.error(position, "expected a comparison such as `region = 'EU'`"));
            }
            Some(Token::Text(_)) => {
                return Err(self.error(
                    position,
                    "expected a column name; quote a column name with backticks (`my column`), text with '...'",
                ));
            }
            Some(_) => return Err(self.error(position, "expected a column name")),
        };
        self.next += 1;
        let op = match self.peek() {
            Some(Token::Op(op)) => *op,
            _ => {
                return Err(self.error(
                    self.here(),
                    format!(
                        "expected a comparison operator (=, !=, <, <=, >, >=) after `{column}`"
                    ),
                ));
            }
        };
        self.next += 1;
        let at = self.here();
        let literal = match self.peek() {
            Some(Token::Text(text)) => Literal::Text {
                number: parse_number(text.trim()),
                text: text.clone(),
            },
            Some(Token::Number(text)) => match parse_number(text) {
                Some(value) => Literal::Number {
                    value,
                    integer: text.parse::<i64>().ok(),
                    text: text.clone(),
                },
                None => return Err(self.error(at, format!("`{text}` is not a number"))),
            },
            Some(Token::Ident(word)) if word.eq_ignore_ascii_case("true") => Literal::Bool(true),
            Some(Token::Ident(word)) if word.eq_ignore_ascii_case("false") => Literal::Bool(false),
            Some(Token::Ident(word)) => {
                return Err(self.error(
                    at,
                    format!(
                        "expected a value after `{}`; quote text: '{word}'",
                        op.symbol()
                    ),
                ));
            }
            _ => {
                return Err(self.error(
                    at,
                    format!(
                        "expected a value after `{}` (a number, 'text', true or false)",
                        op.symbol()
                    ),
                ));
            }
        };
        self.next += 1;
        if matches!(literal, Literal::Bool(_)) && !matches!(op, Op::Eq | Op::Ne) {
            return Err(self.error(at, "true and false compare only with = and !="));
        }
        Ok(Expr::Compare {
            column,
            position,
            op,
            literal,
        })
    }
}

fn parse_number(text: &str) -> Option<f64> {
    let value: f64 = text.parse().ok()?;
    value.is_finite().then_some(value)
}

impl Filter {
    pub fn parse(text: &str) -> Result<Filter, FilterError> {
        let tokens = lex(text)?;
        let mut parser = Parser {
            text,
            tokens,
            next: 0,
        };
        if parser.tokens.is_empty() {
            return Err(parser.error(1, "the filter is empty"));
        }
        let expr = parser.or()?;
        if parser.next < parser.tokens.len() {
            let message = match parser.peek() {
                Some(Token::Close) => "this `)` has no matching `(`".to_string(),
                _ => "expected `and`, `or` or the end of the filter".to_string(),
            };
            return Err(parser.error(parser.here(), message));
        }
        Ok(Filter {
            text: text.to_string(),
            expr,
        })
    }

    /// The columns the filter reads, sorted, without repeats.
    pub fn columns(&self) -> Vec<String> {
        fn walk(expr: &Expr, out: &mut Vec<String>) {
            match expr {
                Expr::Compare { column, .. } => out.push(column.clone()),
                Expr::And(a, b) | Expr::Or(a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
                Expr::Not(a) => walk(a, out),
            }
        }
        let mut out = Vec::new();
        walk(&self.expr, &mut out);
        out.sort();
        out.dedup();
        out
    }

    /// Checks that every column the filter names is among `available`; the
    /// error names the first unknown one, where it is, and the columns there are.
    pub fn check_columns(&self, available: &[String]) -> Result<(), FilterError> {
        fn first_unknown<'e>(expr: &'e Expr, available: &[String]) -> Option<(&'e str, usize)> {
            match expr {
                Expr::Compare {
                    column, position, ..
                } => (!available.contains(column)).then_some((column.as_str(), *position)),
                Expr::And(a, b) | Expr::Or(a, b) => {
                    first_unknown(a, available).or_else(|| first_unknown(b, available))
                }
                Expr::Not(a) => first_unknown(a, available),
            }
        }
        match first_unknown(&self.expr, available) {
            None => Ok(()),
            Some((column, position)) => {
                let list = available
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let suggestion = available
                    .iter()
                    .map(|c| {
                        (
                            strsim::jaro_winkler(&c.to_lowercase(), &column.to_lowercase()),
                            c,
                        )
                    })
                    .filter(|(score, _)| *score > 0.85)
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .map(|(_, c)| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default();
                Err(FilterError {
                    filter: self.text.clone(),
                    column: position,
                    message: format!("no column `{column}`{suggestion}; the columns are: {list}"),
                })
            }
        }
    }

    /// Which rows of `batch` the filter keeps: those where it is true (not
    /// false, not unknown).
    pub fn evaluate(&self, batch: &RecordBatch) -> Result<Vec<bool>, FairnessError> {
        Ok(evaluate(&self.expr, batch)?.truth)
    }
}

/// A filter's value on each row, in three-valued (Kleene) logic: `truth[row]`
/// is true only where the value is known to be true; `known[row]` is false
/// where it is unknown (a comparison with a missing cell, NaN, or text that
/// does not read as a number in a numeric comparison).
struct Truth {
    truth: Vec<bool>,
    known: Vec<bool>,
}

fn evaluate(expr: &Expr, batch: &RecordBatch) -> Result<Truth, FairnessError> {
    match expr {
        Expr::Compare {
            column,
            op,
            literal,
            ..
        } => {
            let array =
                batch
                    .column_by_name(column)
                    .ok_or_else(|| FairnessError::MissingColumn {
                        column: column.clone(),
                        available: batch
                            .schema()
                            .fields()
                            .iter()
                            .map(|f| format!("`{}`", f.name()))
                            .collect::<Vec<_>>()
                            .join(", "),
                    })?;
            compare(column, array, *op, literal)
        }
        Expr::And(a, b) => {
            let mut left = evaluate(a, batch)?;
            let right = evaluate(b, batch)?;
            // Known when both are known, or when either is known to be false.
            for row in 0..left.truth.len() {
                let (lt, lk) = (left.truth[row], left.known[row]);
                let (rt, rk) = (right.truth[row], right.known[row]);
                left.known[row] = (lk && (rk || !lt)) || (rk && !rt);
                left.truth[row] = lt && rt;
            }
            Ok(left)
        }
        Expr::Or(a, b) => {
            let mut left = evaluate(a, batch)?;
            let right = evaluate(b, batch)?;
            // Known when both are known, or when either is true.
            for row in 0..left.truth.len() {
                let (lt, lk) = (left.truth[row], left.known[row]);
                let (rt, rk) = (right.truth[row], right.known[row]);
                left.known[row] = (lk && rk) || lt || rt;
                left.truth[row] = lt || rt;
            }
            Ok(left)
        }
        Expr::Not(a) => {
            // NOT of an unknown stays unknown: `not x = 'a'` does not keep rows
            // where `x` is missing, as in SQL.
            let mut inner = evaluate(a, batch)?;
            for (truth, known) in inner.truth.iter_mut().zip(&inner.known) {
                *truth = *known && !*truth;
            }
            Ok(inner)
        }
    }
}

fn type_error(column: &str, data_type: &DataType, what: &str) -> FairnessError {
    FairnessError::ColumnType {
        column: column.to_string(),
        data_type: data_type.to_string(),
        what: what.to_string(),
    }
}

fn cast(array: &ArrayRef, to: &DataType) -> Result<ArrayRef, FairnessError> {
    arrow_cast::cast(array, to).map_err(|e| FairnessError::Internal(format!("cast to {to}: {e}")))
}

/// The order of a cell read from text against a number literal: integers
/// exactly (so that identifiers past 2^53 compare correctly), other numbers
/// as floats; `None` when the cell is not a number.
fn compare_text_number(cell: &str, value: f64, integer: Option<i64>) -> Option<std::cmp::Ordering> {
    let cell = cell.trim();
    if let (Some(literal), Ok(number)) = (integer, cell.parse::<i64>()) {
        return Some(number.cmp(&literal));
    }
    let number = parse_number(cell)?;
    Some(number.total_cmp(&value))
}

fn compare(
    column: &str,
    array: &ArrayRef,
    op: Op,
    literal: &Literal,
) -> Result<Truth, FairnessError> {
    let data_type = array.data_type();
    let rows = array.len();
    let mut truth = vec![false; rows];
    let mut known = vec![false; rows];
    let mut set = |row: usize, order: std::cmp::Ordering| {
        truth[row] = op.holds(order);
        known[row] = true;
    };
    match data_type {
        DataType::Boolean => {
            let wanted = match literal {
                Literal::Bool(b) => *b,
                Literal::Text { text, .. } if text.eq_ignore_ascii_case("true") => true,
                Literal::Text { text, .. } if text.eq_ignore_ascii_case("false") => false,
                _ => {
                    return Err(type_error(
                        column,
                        data_type,
                        "holds true/false values; compare it with true or false",
                    ));
                }
            };
            if !matches!(op, Op::Eq | Op::Ne) {
                return Err(type_error(
                    column,
                    data_type,
                    "holds true/false values; compare it with = or !=",
                ));
            }
            let values = array.as_boolean();
            for row in 0..rows {
                if values.is_valid(row) {
                    set(row, values.value(row).cmp(&wanted));
                }
            }
        }
        t if t.is_integer() => {
            let (value, integer) = match literal {
                Literal::Number { value, integer, .. } => (*value, *integer),
                Literal::Text {
                    number: Some(n),
                    text,
                    ..
                } => (*n, text.trim().parse::<i64>().ok()),
                _ => {
                    return Err(type_error(
                        column,
                        data_type,
                        "holds numbers; compare it with a number (year >= 2025)",
                    ));
                }
            };
            let ints = cast(array, &DataType::Int64)?;
            let ints = ints.as_primitive::<arrow_array::types::Int64Type>();
            for row in 0..rows {
                if ints.is_valid(row) {
                    let cell = ints.value(row);
                    let order = match integer {
                        Some(i) => cell.cmp(&i),
                        None => (cell as f64).total_cmp(&value),
                    };
                    set(row, order);
                }
            }
        }
        t if t.is_floating()
            || matches!(t, DataType::Decimal128(..) | DataType::Decimal256(..)) =>
        {
            let value = match literal {
                Literal::Number { value, .. } => *value,
                Literal::Text {
                    number: Some(n), ..
                } => *n,
                _ => {
                    return Err(type_error(
                        column,
                        data_type,
                        "holds numbers; compare it with a number (score > 0.5)",
                    ));
                }
            };
            let floats = cast(array, &DataType::Float64)?;
            let floats = floats.as_primitive::<arrow_array::types::Float64Type>();
            for row in 0..rows {
                if floats.is_valid(row) {
                    let cell = floats.value(row);
                    if !cell.is_nan() {
                        set(row, cell.total_cmp(&value));
                    }
                }
            }
        }
        _ => {
            // Text: what CSV and JSON lines give when their columns are read
            // as text, and any other type (dates, times) as its ISO text.
            let text_array: ArrayRef = match data_type {
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Arc::clone(array),
                _ => cast(array, &DataType::Utf8)?,
            };
            match literal {
                Literal::Number { value, integer, .. } => {
                    for_each_str(&text_array, |row, cell| {
                        if let Some(order) =
                            cell.and_then(|c| compare_text_number(c, *value, *integer))
                        {
                            set(row, order);
                        }
                    });
                }
                Literal::Text { text, .. } => {
                    for_each_str(&text_array, |row, cell| {
                        if let Some(cell) = cell.filter(|c| !c.is_empty()) {
                            set(row, cell.cmp(text.as_str()));
                        }
                    });
                }
                Literal::Bool(wanted) => {
                    let wanted = if *wanted { "true" } else { "false" };
                    for_each_str(&text_array, |row, cell| {
                        if let Some(cell) = cell.filter(|c| !c.is_empty()) {
                            set(
                                row,
                                if cell.trim().eq_ignore_ascii_case(wanted) {
                                    std::cmp::Ordering::Equal
                                } else {
                                    std::cmp::Ordering::Less
                                },
                            );
                        }
                    });
                }
            }
        }
    }
    Ok(Truth { truth, known })
}

/// Calls `f(row, value)` for every row of a string array (`None` for nulls).
pub(crate) fn for_each_str(array: &ArrayRef, mut f: impl FnMut(usize, Option<&str>)) {
    match array.data_type() {
        DataType::Utf8 => {
            let a = array.as_string::<i32>();
            for row in 0..a.len() {
                f(row, a.is_valid(row).then(|| a.value(row)));
            }
        }
        DataType::LargeUtf8 => {
            let a = array.as_string::<i64>();
            for row in 0..a.len() {
                f(row, a.is_valid(row).then(|| a.value(row)));
            }
        }
        DataType::Utf8View => {
            let a = array.as_string_view();
            for row in 0..a.len() {
                f(row, a.is_valid(row).then(|| a.value(row)));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{BooleanArray, Float64Array, Int64Array, StringArray};
    use arrow_schema::{Field, Schema};

    fn batch() -> RecordBatch {
        let schema = Schema::new(vec![
            Field::new("region", DataType::Utf8, true),
            Field::new("year", DataType::Int64, true),
            Field::new("score", DataType::Float64, true),
            Field::new("active", DataType::Boolean, true),
            Field::new("my col", DataType::Utf8, true),
        ]);
        RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(StringArray::from(vec![
                    Some("EU"),
                    Some("US"),
                    None,
                    Some("EU"),
                    Some("CN"),
                ])),
                Arc::new(Int64Array::from(vec![
                    Some(2024),
                    Some(2025),
                    Some(2026),
                    None,
                    Some(2025),
                ])),
                Arc::new(Float64Array::from(vec![0.1, 0.5, 0.9, f64::NAN, 0.5])),
                Arc::new(BooleanArray::from(vec![
                    Some(true),
                    Some(false),
                    Some(true),
                    None,
                    Some(true),
                ])),
                Arc::new(StringArray::from(vec!["a", "b", "c", "d", "it's"])),
            ],
        )
        .unwrap()
    }

    fn rows(filter: &str) -> Vec<usize> {
        let mask = Filter::parse(filter).unwrap().evaluate(&batch()).unwrap();
        mask.iter()
            .enumerate()
            .filter(|(_, k)| **k)
            .map(|(i, _)| i)
            .collect()
    }

    #[test]
    fn evaluates() {
        assert_eq!(rows("region = 'EU'"), [0, 3]);
        assert_eq!(rows("region == \"EU\""), [0, 3]);
        assert_eq!(rows("region != 'EU'"), [1, 4]); // the null row is not kept
        assert_eq!(rows("region <> 'EU'"), [1, 4]);
        assert_eq!(rows("year >= 2025"), [1, 2, 4]);
        assert_eq!(rows("year > 2024.5"), [1, 2, 4]);
        assert_eq!(rows("year < '2025'"), [0]);
        assert_eq!(rows("score <= 0.5"), [0, 1, 4]); // NaN is not kept
        assert_eq!(rows("region = 'EU' and year >= 2025"), Vec::<usize>::new());
        assert_eq!(rows("region = 'EU' or year >= 2026"), [0, 2, 3]);
        assert_eq!(
            rows("(region = 'EU' or region = 'CN') AND active = true"),
            [0, 4]
        );
        assert_eq!(rows("region = 'CN' or region = 'US' and year = 2024"), [4]); // and binds tighter
        assert_eq!(rows("not region = 'EU'"), [1, 4]);
        assert_eq!(rows("active != false"), [0, 2, 4]);
        assert_eq!(rows("`my col` = 'it''s'"), [4]);
        assert_eq!(rows("`my col` >= 'c'"), [2, 3, 4]);
    }

    /// The same batch with every column as text, as CSV and JSON lines give
    /// it when read as text: numbers and booleans as their text, null as null.
    fn text_batch() -> RecordBatch {
        let typed = batch();
        let fields: Vec<Field> = typed
            .schema()
            .fields()
            .iter()
            .map(|f| Field::new(f.name(), DataType::Utf8, true))
            .collect();
        let columns: Vec<ArrayRef> = typed
            .columns()
            .iter()
            .map(|c| arrow_cast::cast(c, &DataType::Utf8).unwrap())
            .collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
    }

    fn rows_of(filter: &str, batch: &RecordBatch) -> Vec<usize> {
        let mask = Filter::parse(filter).unwrap().evaluate(batch).unwrap();
        mask.iter()
            .enumerate()
            .filter(|(_, k)| **k)
            .map(|(i, _)| i)
            .collect()
    }

    #[test]
    fn text_columns_give_the_rows_typed_columns_give() {
        let (typed, text) = (batch(), text_batch());
        assert_eq!(text.column(1).data_type(), &DataType::Utf8);
        let cases: &[(&str, &[usize])] = &[
            ("year >= 2025", &[1, 2, 4]),
            ("year > 2024.5", &[1, 2, 4]),
            ("year = 2025", &[1, 4]),
            ("year != 2025", &[0, 2]),
            ("score <= 0.5", &[0, 1, 4]),
            ("score > 0.45 and score < 0.55", &[1, 4]),
            ("active = true", &[0, 2, 4]),
            ("active != false", &[0, 2, 4]),
            ("region = 'EU' and year >= 2025", &[]),
            ("region = 'EU' or year >= 2026", &[0, 2, 3]),
            ("not region = 'EU'", &[1, 4]),
            ("not year < 2025", &[1, 2, 4]),
            ("not (region = 'US' and year >= 2026)", &[0, 1, 3, 4]),
            ("`my col` = 'it''s'", &[4]),
        ];
        for (filter, expected) in cases {
            assert_eq!(rows_of(filter, &typed), *expected, "typed: {filter}");
            assert_eq!(rows_of(filter, &text), *expected, "text: {filter}");
        }
    }

    #[test]
    fn numeric_comparisons_on_text_are_exact_and_skip_what_is_not_a_number() {
        let schema = Schema::new(vec![Field::new("id", DataType::Utf8, true)]);
        let ids = StringArray::from(vec![
            Some("9007199254740993"), // 2^53 + 1: equal to 2^53 as a float
            Some("9007199254740992"),
            Some(" 10 "),
            Some("9"),
            Some("NA"),
            Some(""),
            None,
            Some("1e1"),
        ]);
        let batch = RecordBatch::try_new(
            Arc::new(Schema::new(schema.fields().clone())),
            vec![Arc::new(ids)],
        )
        .unwrap();
        assert_eq!(rows_of("id = 9007199254740993", &batch), [0]);
        assert_eq!(rows_of("id > 9007199254740992", &batch), [0]);
        // Numerically 10 > 9, where text would put "10" before "9".
        assert_eq!(rows_of("id >= 10 and id < 100", &batch), [2, 7]);
        // `NA`, empty and missing cells are unknown: kept neither way.
        assert_eq!(rows_of("id < 100", &batch), [2, 3, 7]);
        assert_eq!(rows_of("not id < 100", &batch), [0, 1]);
        assert_eq!(rows_of("id != 'NA'", &batch), [0, 1, 2, 3, 7]);
    }

    #[test]
    fn parse_errors_point_at_the_column() {
        let cases = [
            ("region = EU", 10, "quote text: 'EU'"),
            ("region EU", 8, "expected a comparison operator"),
            ("region = 'EU", 10, "never closed"),
            ("(region = 'EU'", 15, "expected `)`"),
            ("region = 'EU')", 14, "no matching `(`"),
            ("region = 'EU' and", 18, "expected a comparison"),
            ("region = 'EU' year = 1", 15, "expected `and`, `or`"),
            ("", 1, "empty"),
            ("region ! 'EU'", 8, "expected `!=`"),
            ("active < true", 10, "only with = and !="),
            ("'EU' = region", 1, "expected a column name"),
            ("year >= 12x", 9, "not a number"),
            ("region = 'EU' & year = 1", 15, "unexpected `&`"),
        ];
        for (filter, column, message) in cases {
            let error = Filter::parse(filter).unwrap_err();
            assert_eq!(error.column, column, "{filter}: {error}");
            assert!(error.message.contains(message), "{filter}: {error}");
        }
        let shown = Filter::parse("region EU").unwrap_err().to_string();
        assert!(shown.ends_with("  region EU\n         ^"), "{shown}");
    }

    #[test]
    fn unknown_columns_are_named_with_the_available_ones() {
        let filter = Filter::parse("region = 'EU' and yeer >= 2025").unwrap();
        let available = vec!["region".to_string(), "year".to_string()];
        let error = filter.check_columns(&available).unwrap_err();
        assert_eq!(error.column, 19);
        assert!(
            error
                .message
                .contains("no column `yeer` (did you mean `year`?)"),
            "{error}"
        );
        assert!(error.message.contains("`region`, `year`"), "{error}");
        assert!(
            Filter::parse("year = 1")
                .unwrap()
                .check_columns(&available)
                .is_ok()
        );
    }

    #[test]
    fn type_mismatches_are_errors() {
        let error = Filter::parse("year = 'recent'")
            .unwrap()
            .evaluate(&batch())
            .unwrap_err();
        assert!(
            error.to_string().contains("compare it with a number"),
            "{error}"
        );
        let error = Filter::parse("active = 'maybe'")
            .unwrap()
            .evaluate(&batch())
            .unwrap_err();
        assert!(error.to_string().contains("true or false"), "{error}");
    }
}
